aimcsim-cmd 1
units tile=9 cluster=4 sram=64 dram=1
tag 0 -1 embed
tag 1 0 h0.ln_1
tag 2 0 h0.attn.c_attn
tag 3 0 h0.attn.qk
tag 4 0 h0.attn.softmax
tag 5 0 h0.attn.av
tag 6 0 h0.attn.c_proj
tag 7 0 h0.add_1
tag 8 0 h0.ln_2
tag 9 0 h0.mlp.c_fc
tag 10 0 h0.mlp.gelu
tag 11 0 h0.mlp.c_proj
tag 12 0 h0.add_2
tag 13 1 h1.ln_1
tag 14 1 h1.attn.c_attn
tag 15 1 h1.attn.qk
tag 16 1 h1.attn.softmax
tag 17 1 h1.attn.av
tag 18 1 h1.attn.c_proj
tag 19 1 h1.add_1
tag 20 1 h1.ln_2
tag 21 1 h1.mlp.c_fc
tag 22 1 h1.mlp.gelu
tag 23 1 h1.mlp.c_proj
tag 24 1 h1.add_2
tag 25 -1 ln_f
tag 26 -1 lm_head
tag 27 -1 sample
0 mem dram0 read addr=0 bytes=128 tag=0 deps=
1 xfer dram0 dst=cluster0 bytes=128 tag=0 deps=0
2 dig cluster0 embed m=1 n=64 k=0 tag=0 deps=1
3 dig cluster0 layernorm m=1 n=64 k=0 tag=1 deps=2
4 xfer cluster0 dst=tile0 bytes=64 tag=2 deps=3
5 act tile0 rows=0:64 cols=0:192 slices=1 bits=8 tag=2 deps=4
6 xfer tile0 dst=cluster0 bytes=384 tag=2 deps=5
7 xfer cluster0 dst=sram0 bytes=128 tag=3 deps=6
8 mem sram0 write addr=0 bytes=64 tag=3 deps=7
9 mem sram0 write addr=64 bytes=64 tag=3 deps=8
10 mem sram0 read addr=0 bytes=64 tag=3 deps=9
11 xfer sram0 dst=cluster0 bytes=64 tag=3 deps=10
12 dig cluster0 gemm m=2 n=1 k=32 tag=3 deps=6,11
13 dig cluster0 softmax m=2 n=1 k=0 tag=4 deps=12
14 mem sram0 read addr=64 bytes=64 tag=5 deps=9
15 xfer sram0 dst=cluster0 bytes=64 tag=5 deps=14
16 dig cluster0 gemm m=2 n=32 k=1 tag=5 deps=13,15
17 xfer cluster0 dst=tile1 bytes=64 tag=6 deps=16
18 act tile1 rows=0:64 cols=0:64 slices=1 bits=8 tag=6 deps=17
19 xfer tile1 dst=cluster0 bytes=128 tag=6 deps=18
20 dig cluster0 add m=1 n=64 k=0 tag=7 deps=2,19
21 dig cluster0 layernorm m=1 n=64 k=0 tag=8 deps=20
22 xfer cluster0 dst=tile2 bytes=64 tag=9 deps=21
23 act tile2 rows=0:64 cols=0:256 slices=1 bits=8 tag=9 deps=22
24 xfer tile2 dst=cluster0 bytes=512 tag=9 deps=23
25 dig cluster0 gelu m=1 n=256 k=0 tag=10 deps=24
26 xfer cluster0 dst=tile3 bytes=256 tag=11 deps=25
27 act tile3 rows=0:256 cols=0:64 slices=1 bits=8 tag=11 deps=26
28 xfer tile3 dst=cluster0 bytes=128 tag=11 deps=27
29 dig cluster0 add m=1 n=64 k=0 tag=12 deps=20,28
30 xfer cluster0 dst=cluster1 bytes=64 tag=13 deps=29
31 dig cluster1 layernorm m=1 n=64 k=0 tag=13 deps=30
32 xfer cluster1 dst=tile4 bytes=64 tag=14 deps=31
33 act tile4 rows=0:64 cols=0:192 slices=1 bits=8 tag=14 deps=32
34 xfer tile4 dst=cluster1 bytes=384 tag=14 deps=33
35 xfer cluster1 dst=sram1 bytes=128 tag=15 deps=34
36 mem sram1 write addr=0 bytes=64 tag=15 deps=35
37 mem sram1 write addr=64 bytes=64 tag=15 deps=36
38 mem sram1 read addr=0 bytes=64 tag=15 deps=37
39 xfer sram1 dst=cluster1 bytes=64 tag=15 deps=38
40 dig cluster1 gemm m=2 n=1 k=32 tag=15 deps=34,39
41 dig cluster1 softmax m=2 n=1 k=0 tag=16 deps=40
42 mem sram1 read addr=64 bytes=64 tag=17 deps=37
43 xfer sram1 dst=cluster1 bytes=64 tag=17 deps=42
44 dig cluster1 gemm m=2 n=32 k=1 tag=17 deps=41,43
45 xfer cluster1 dst=tile5 bytes=64 tag=18 deps=44
46 act tile5 rows=0:64 cols=0:64 slices=1 bits=8 tag=18 deps=45
47 xfer tile5 dst=cluster1 bytes=128 tag=18 deps=46
48 xfer cluster0 dst=cluster1 bytes=64 tag=19 deps=29
49 dig cluster1 add m=1 n=64 k=0 tag=19 deps=47,48
50 dig cluster1 layernorm m=1 n=64 k=0 tag=20 deps=49
51 xfer cluster1 dst=tile6 bytes=64 tag=21 deps=50
52 act tile6 rows=0:64 cols=0:256 slices=1 bits=8 tag=21 deps=51
53 xfer tile6 dst=cluster1 bytes=512 tag=21 deps=52
54 dig cluster1 gelu m=1 n=256 k=0 tag=22 deps=53
55 xfer cluster1 dst=tile7 bytes=256 tag=23 deps=54
56 act tile7 rows=0:256 cols=0:64 slices=1 bits=8 tag=23 deps=55
57 xfer tile7 dst=cluster1 bytes=128 tag=23 deps=56
58 dig cluster1 add m=1 n=64 k=0 tag=24 deps=49,57
59 mark - prefill value=0 tag=24 deps=58
60 dig cluster1 layernorm m=1 n=64 k=0 tag=25 deps=58
61 xfer cluster1 dst=tile8 bytes=64 tag=26 deps=60
62 act tile8 rows=0:64 cols=0:128 slices=1 bits=8 tag=26 deps=61
63 xfer tile8 dst=cluster1 bytes=256 tag=26 deps=62
64 dig cluster1 softmax m=1 n=128 k=0 tag=27 deps=63
65 mark - token value=0 tag=27 deps=64
end 66
