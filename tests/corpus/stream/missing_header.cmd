0 sync - tag=0 deps=
end 1
