aimcsim-cmd 1
units tile=1 cluster=1 sram=1
end 0
