aimcsim-cmd 1
units tile=16 cluster=1 sram=4 dram=1
prov command aimcsim schedule configs/gpt2-small.ini -o stream.cmd
prov config_hash 3f2a9c41d07e85b6
# tags: index, layer (-1: none), name
tag 0 -1 other
tag 1 0 h0.ln_1
tag 2 0 h0.attn.c_attn
0 mem dram0 read addr=0 bytes=1536 tag=1 deps=
1 xfer dram0 dst=cluster0 bytes=1536 tag=1 deps=0
2 dig cluster0 layernorm m=1 n=768 k=0 tag=1 deps=1
3 xfer cluster0 dst=tile3 bytes=768 tag=2 deps=2
4 act tile3 rows=0:256 cols=0:128,192:32 slices=1 bits=8 tag=2 deps=3
5 xfer tile3 dst=sram1 bytes=320 tag=2 deps=4
6 sync - tag=0 deps=5
7 mark - token value=0 tag=0 deps=2,6
end 8
