package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** write -> read is the identity, bit for bit, for random shapes, dtypes and bit patterns. */
class SafetensorsPropertyTest {

    /** One tensor to generate: its dtype, shape and the seed of its random bytes. */
    record Spec(DataType type, long[] shape, long seed) {}

    @Provide
    Arbitrary<List<Spec>> tensorLists() {
        Arbitrary<DataType> types = Arbitraries.of(DataType.FLOAT, DataType.DOUBLE, DataType.INT, DataType.LONG);
        Arbitrary<long[]> shapes = Arbitraries.longs().between(0, 5).array(long[].class).ofMaxSize(4);
        Arbitrary<Spec> spec = Combinators.combine(types, shapes, Arbitraries.longs()).as(Spec::new);
        return spec.list().ofMinSize(1).ofMaxSize(6);
    }

    @Property(tries = 60)
    void roundTripIsBitExact(@ForAll("tensorLists") List<Spec> specs, @ForAll boolean transposeFirst)
            throws IOException {
        var tensors = new LinkedHashMap<String, INDArray>();
        for (int i = 0; i < specs.size(); i++) {
            INDArray a = randomBits(specs.get(i));
            // a non-'c' view must be written by value, not by its buffer
            tensors.put("t" + (specs.size() - i), i == 0 && transposeFirst && a.rank() >= 2 ? a.transpose() : a);
        }
        Path dir = Files.createTempDirectory("st-prop");
        Path file = dir.resolve("p.safetensors");
        try {
            Safetensors.write(file, tensors, i(specs.size()));
            var back = Safetensors.read(file);
            assertThat(back.tensors().keySet()).containsExactlyElementsOf(tensors.keySet());
            assertThat(back.metadata()).isEqualTo(i(specs.size()));
            for (var e : tensors.entrySet()) {
                INDArray got = back.tensors().get(e.getKey());
                assertThat(got.dataType()).isEqualTo(e.getValue().dataType());
                assertThat(got.shape()).isEqualTo(e.getValue().shape());
                assertThat(SafetensorsTest.rawBytes(got)).isEqualTo(SafetensorsTest.rawBytes(e.getValue()));
            }
        } finally {
            Files.deleteIfExists(file);
            Files.delete(dir);
        }
    }

    private static java.util.Map<String, String> i(int n) {
        return n % 2 == 0 ? java.util.Map.of() : java.util.Map.of("count", Integer.toString(n));
    }

    /** An array filled with random bytes: every bit pattern, NaN payloads and subnormals included. */
    private static INDArray randomBits(Spec s) {
        INDArray a = Nd4j.create(s.type(), s.shape(), 'c');
        if (a.length() == 0) {
            return a;
        }
        byte[] bytes = new byte[(int) (a.length() * s.type().width())];
        new Random(s.seed()).nextBytes(bytes);
        ByteBuffer dst = a.data().asNio().order(ByteOrder.nativeOrder());
        dst.put(bytes);
        return a;
    }
}
