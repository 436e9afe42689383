aimcsim-cmd 1
units tile=9 cluster=4 sram=64 dram=1
tag 0 -1 other
tag 1 0 h0.attn.c_attn
0 mark - eos value=1 tag=0 deps=
end 1
