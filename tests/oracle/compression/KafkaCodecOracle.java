// Compresses or decompresses stdin to stdout with the Apache Kafka Java client's own codecs
// (org.apache.kafka.common.compress: GZIPOutputStream, xerial SnappyOutputStream,
// Lz4BlockOutputStream, zstd-jni), exactly as its producer writes a v2 batch's records and
// its consumer reads them. Used as an independent implementation in the codec tests.
//
// usage: java -cp "<kafka libs>/*:<classes>" KafkaCodecOracle compress|decompress TYPE [LEVEL]
//            (stdin to stdout)
//        java ... KafkaCodecOracle compress|decompress TYPE LEVEL|default IN OUT [IN OUT]...
//            (files, many in one run)
//        TYPE is a compression.type name: none, gzip, snappy, lz4, zstd.

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

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

    private static byte[] compress(Compression compression, byte[] input) throws Exception {
        ByteBufferOutputStream buffer = new ByteBufferOutputStream(1024);
        try (OutputStream out = compression.wrapForOutput(buffer, MAGIC_V2)) {
            out.write(input);
        }
        ByteBuffer result = buffer.buffer();
        result.flip();
        byte[] bytes = new byte[result.remaining()];
        result.get(bytes);
        return bytes;
    }

    private static byte[] decompress(Compression compression, byte[] input) throws Exception {
        try (InputStream in = compression.wrapForInput(ByteBuffer.wrap(input), MAGIC_V2,
                BufferSupplier.create())) {
            return in.readAllBytes();
        }
    }

    private static byte[] run(String command, Compression compression, byte[] input) throws Exception {
        if (command.equals("compress")) return compress(compression, input);
        if (command.equals("decompress")) return decompress(compression, input);
        throw new IllegalArgumentException("unknown command " + command);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: KafkaCodecOracle compress|decompress TYPE [LEVEL] [IN OUT]...");
            System.exit(2);
        }
        String level = args.length > 2 && !args[2].equals("default") ? args[2] : null;
        Compression compression = codec(args[1], level);
        if (args.length <= 3) {
            System.out.write(run(args[0], compression, System.in.readAllBytes()));
            System.out.flush();
            return;
        }
        for (int i = 3; i + 1 < args.length; i += 2) {
            Files.write(Path.of(args[i + 1]), run(args[0], compression, Files.readAllBytes(Path.of(args[i]))));
        }
    }
}
