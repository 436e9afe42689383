aimcsim-cmd 1
units tile=1 cluster=1 sram=1 dram=1
tag 0 0
end 0
