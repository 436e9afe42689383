aimcsim-cmd 1
units tile=x cluster=1 sram=1 dram=1
end 0
