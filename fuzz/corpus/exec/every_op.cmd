aimcsim-cmd 1
units tile=9 cluster=4 sram=64 dram=1
prov command hand-written: one command of each kind
tag 0 -1 other
tag 1 0 h0.attn.c_attn
0 mem dram0 read addr=0 bytes=1536 tag=0 deps=
1 xfer dram0 dst=cluster0 bytes=1536 tag=0 deps=0
2 dig cluster0 layernorm m=1 n=64 k=0 tag=1 deps=1
3 xfer cluster0 dst=tile3 bytes=64 tag=1 deps=2
4 act tile3 rows=0:64 cols=0:128,192:32 slices=1 bits=8 tag=1 deps=3
5 xfer tile3 dst=sram1 bytes=320 tag=1 deps=4
6 mem sram1 write addr=0 bytes=320 tag=1 deps=5
7 prog tile4 array=12 tag=1 deps=
8 dig cluster1 gemm m=2 n=64 k=64 tag=1 deps=6,7
9 sync - tag=0 deps=8
10 mark - token value=0 tag=0 deps=2,9
11 mark - prefill value=0 tag=0 deps=10
end 12
