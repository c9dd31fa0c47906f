# Three panels from bench_compare's latency.dat: median p50, p99 and p99.9 latency (ms, from each
# record's intended send time to its acknowledgement) at each set load, one bar per client.
# gnuplot -e "datafile='latency.dat'; outfile='latency.svg'; subtitle='...'; \
#             clients='rawkafka librdkafka franz-go java'; colors='#d62728 #1f77b4 #9467bd #2ca02c'" latency.gp
set terminal svg size 1100,1000 dynamic noenhanced font "sans,12" background rgb "white"
set output outfile
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics mytics
set key outside right top
set logscale y
set yrange [0.01:*]
set ylabel "ms (log scale)"
set multiplot layout 3,1 title "Latency under a set load, lower is better (".subtitle.")"
set title "p50"
plot for [i=1:words(clients)] datafile index 0 using (column(i+1)):xtic(1) title word(clients, i) lc rgb word(colors, i)
set title "p99"
plot for [i=1:words(clients)] datafile index 1 using (column(i+1)):xtic(1) title word(clients, i) lc rgb word(colors, i)
set title "p99.9"
plot for [i=1:words(clients)] datafile index 2 using (column(i+1)):xtic(1) title word(clients, i) lc rgb word(colors, i)
unset multiplot
