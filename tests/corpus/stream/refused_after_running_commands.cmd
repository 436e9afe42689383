aimcsim-cmd 1
units tile=9 cluster=4 sram=64 dram=1
tag 0 -1 other
tag 1 0 h0.attn.c_attn
0 act tile0 rows=0:64 cols=0:192 slices=1 bits=8 tag=1 deps=
1 sync - tag=0 deps=0
2 mem sram1 write addr=65536 bytes=1 tag=0 deps=1
end 3
