aimcsim-cmd 1
units tile=64 cluster=1 sram=64 dram=1
tag 0 -1 t
end 0
