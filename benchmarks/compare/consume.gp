# Two panels from consume_compare's results.dat: median records/s and median client CPU
# ns/record (outside), clustered by topic, one bar per consumer.
# gnuplot -e "datafile='results.dat'; outfile='results.svg'; subtitle='...'; \
#             clients='rawkafka-parse rawkafka-raw librdkafka franz-go java'; colors='#d62728 #ff9896 #1f77b4 #9467bd #2ca02c'" consume.gp
set terminal svg size 1100,760 dynamic noenhanced font "sans,12" background rgb "white"
set output outfile
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside right top
set yrange [0:*]
set multiplot layout 2,1 title "Consuming a prepared topic from Kafka (".subtitle.")"
set title "throughput (higher is better)"
set ylabel "records/s"
set format y "%.1s%c"
plot for [i=1:words(clients)] datafile index 0 using (column(i+1)):xtic(1) title word(clients, i) lc rgb word(colors, i)
set title "client CPU per record, outside (lower is better)"
set ylabel "CPU ns/record"
set format y "%.0f"
plot for [i=1:words(clients)] datafile index 1 using (column(i+1)):xtic(1) title word(clients, i) lc rgb word(colors, i)
unset multiplot
