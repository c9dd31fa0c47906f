// Compresses or decompresses stdin to stdout with the Apache Kafka Java client's own codecs
// (org.apache.kafka.common.compress: GZIPOutputStream, xerial SnappyOutputStream,
// Lz4BlockOutputStream, zstd-jni), exactly as its producer writes a v2 batch's records and
// its consumer reads them. Used as an independent implementation in the codec tests.
//
// usage: java -cp "<kafka libs>/*:<classes>" KafkaCodecOracle compress|decompress TYPE [LEVEL]
//        TYPE is a compression.type name: none, gzip, snappy, lz4, zstd.

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.ByteBufferOutputStream;

public final class KafkaCodecOracle {
    private static final byte MAGIC_V2 = 2;

    private static Compression codec(String type, String level) {
        Integer l = level == null ? null : Integer.valueOf(level);
        switch (type) {
            case "none": return Compression.NONE;
            case "gzip": return l == null ? Compression.gzip().build() : Compression.gzip().level(l).build();
            case "snappy": return Compression.snappy().build();
            case "lz4": return l == null ? Compression.lz4().build() : Compression.lz4().level(l).build();
            case "zstd": return l == null ? Compression.zstd().build() : Compression.zstd().level(l).build();
            default: throw new IllegalArgumentException("unknown compression type " + type);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: KafkaCodecOracle compress|decompress TYPE [LEVEL]");
            System.exit(2);
        }
        Compression compression = codec(args[1], args.length > 2 ? args[2] : null);
        byte[] input = System.in.readAllBytes();
        OutputStream stdout = System.out;
        if (args[0].equals("compress")) {
            ByteBufferOutputStream buffer = new ByteBufferOutputStream(1024);
            try (OutputStream out = compression.wrapForOutput(buffer, MAGIC_V2)) {
                out.write(input);
            }
            ByteBuffer result = buffer.buffer();
            result.flip();
            byte[] bytes = new byte[result.remaining()];
            result.get(bytes);
            stdout.write(bytes);
        } else if (args[0].equals("decompress")) {
            try (InputStream in = compression.wrapForInput(ByteBuffer.wrap(input), MAGIC_V2,
                    BufferSupplier.create())) {
                stdout.write(in.readAllBytes());
            }
        } else {
            System.err.println("unknown command " + args[0]);
            System.exit(2);
        }
        stdout.flush();
    }
}
