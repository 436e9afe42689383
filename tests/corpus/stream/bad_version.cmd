aimcsim-cmd 3
units tile=1 cluster=1 sram=1 dram=1
end 0
