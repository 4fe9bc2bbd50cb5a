package dev.lore.models.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Just enough of the protobuf wire format to write ONNX {@code ModelProto} files in tests (protobuf-java is not on
 * Lore's classpath); field numbers follow onnx/onnx.proto.
 */
final class OnnxProto {

    static final int FLOAT = 1;
    static final int INT64 = 7;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    byte[] bytes() {
        return out.toByteArray();
    }

    OnnxProto varint(int field, long value) {
        tag(field, 0);
        rawVarint(value);
        return this;
    }

    OnnxProto string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    OnnxProto message(int field, OnnxProto message) {
        return bytes(field, message.bytes());
    }

    OnnxProto packedFloats(int field, float... values) {
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        for (float value : values) {
            int bits = Float.floatToIntBits(value);
            for (int i = 0; i < 4; i++) {
                packed.write(bits >>> (8 * i));
            }
        }
        return bytes(field, packed.toByteArray());
    }

    OnnxProto packedLongs(int field, long... values) {
        OnnxProto packed = new OnnxProto();
        for (long value : values) {
            packed.rawVarint(value);
        }
        return bytes(field, packed.bytes());
    }

    private OnnxProto bytes(int field, byte[] value) {
        tag(field, 2);
        rawVarint(value.length);
        out.writeBytes(value);
        return this;
    }

    private void tag(int field, int wireType) {
        rawVarint(((long) field << 3) | wireType);
    }

    private void rawVarint(long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    // ONNX messages, by their onnx.proto field numbers

    static OnnxProto model(OnnxProto graph) {
        return new OnnxProto().varint(1, 8).string(2, "lore-tests")
                .message(8, new OnnxProto().string(1, "").varint(2, 13)).message(7, graph);
    }

    static OnnxProto node(String opType, String[] inputs, String output, OnnxProto... attributes) {
        OnnxProto node = new OnnxProto();
        for (String input : inputs) {
            node.string(1, input);
        }
        node.string(2, output).string(3, output).string(4, opType);
        for (OnnxProto attribute : attributes) {
            node.message(5, attribute);
        }
        return node;
    }

    static OnnxProto intAttribute(String name, long value) {
        return new OnnxProto().string(1, name).varint(3, value).varint(20, 2);
    }

    static OnnxProto floatTensor(String name, long[] dims, float... values) {
        OnnxProto tensor = new OnnxProto();
        for (long dim : dims) {
            tensor.varint(1, dim);
        }
        return tensor.varint(2, FLOAT).packedFloats(4, values).string(8, name);
    }

    static OnnxProto longTensor(String name, long[] dims, long... values) {
        OnnxProto tensor = new OnnxProto();
        for (long dim : dims) {
            tensor.varint(1, dim);
        }
        return tensor.varint(2, INT64).packedLongs(7, values).string(8, name);
    }

    /** A graph input or output: a tensor of the element type, each dimension a symbolic name or a number. */
    static OnnxProto valueInfo(String name, int elementType, Object... dims) {
        OnnxProto shape = new OnnxProto();
        for (Object dim : dims) {
            shape.message(1, dim instanceof String param ? new OnnxProto().string(2, param)
                    : new OnnxProto().varint(1, ((Number) dim).longValue()));
        }
        OnnxProto tensorType = new OnnxProto().varint(1, elementType).message(2, shape);
        return new OnnxProto().string(1, name).message(2, new OnnxProto().message(1, tensorType));
    }
}
