aimcsim-cmd 1
units tile=1 cluster=1 sram=1 dram=1
prov cmd ab
end 0
