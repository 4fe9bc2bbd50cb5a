package dev.lore.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.BeanProperty;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.KeyDeserializer;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.deser.jdk.StringDeserializer;
import tools.jackson.databind.deser.jdk.UntypedObjectDeserializer;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.jsontype.TypeDeserializer;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/**
 * Rules for all JSON that Lore reads with its {@link tools.jackson.databind.json.JsonMapper}: no NUL character in
 * any text or field name, no fractions where a whole number is expected, and no fields a request does not define
 * (a misspelt {@code "top_k"} would otherwise be ignored without a word). Bodies that other clients shape, like
 * Cohere's rerank, opt out with {@code @JsonIgnoreProperties(ignoreUnknown = true)}; model backends read their
 * answers with mappers of their own.
 */
@Configuration(proxyBeanMethods = false)
class JsonInputConfiguration {

    @Bean
    JsonMapperBuilderCustomizer strictJsonInput() {
        SimpleModule nulFree = new SimpleModule("lore-nul-free-text")
                .addDeserializer(String.class, new NulFreeString())
                .addKeyDeserializer(String.class, new NulFreeKey())
                .addDeserializer(Object.class, new NulFreeUntyped());
        return builder -> builder.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).addModule(nulFree);
    }

    /**
     * Text holding a NUL character, rejected while reading: PostgreSQL refuses NUL in text and jsonb, so it would
     * otherwise fail deep inside a query as a 500.
     */
    static final class NulCharacter extends InvalidFormatException {

        NulCharacter(JsonParser parser, String value) {
            super(parser, "Text must not contain the NUL character (\\u0000)", value, String.class);
        }
    }

    private static final class NulFreeString extends ValueDeserializer<String> {

        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) {
            String value = StringDeserializer.instance.deserialize(parser, context);
            if (value != null && value.indexOf('\0') >= 0) {
                throw new NulCharacter(parser, value);
            }
            return value;
        }

        @Override
        public LogicalType logicalType() {
            return LogicalType.Textual;
        }
    }

    private static final class NulFreeKey extends KeyDeserializer {

        @Override
        public Object deserializeKey(String key, DeserializationContext context) {
            if (key.indexOf('\0') >= 0) {
                throw new NulCharacter(context.getParser(), key);
            }
            return key;
        }
    }

    /**
     * Jackson's own reader for untyped values ({@code Object}, {@code Map<String, Object>} values), followed by a
     * walk over what it read: it reads the field names of nested objects itself, past any key deserializer. It is
     * left unresolved, so it reads text itself too and the walk can name the nested field that holds a NUL.
     */
    private static final class NulFreeUntyped extends ValueDeserializer<Object> {

        private final ValueDeserializer<Object> standard;

        NulFreeUntyped() {
            this(new UntypedObjectDeserializer((JavaType) null, (JavaType) null));
        }

        @SuppressWarnings("unchecked")
        private NulFreeUntyped(ValueDeserializer<?> standard) {
            this.standard = (ValueDeserializer<Object>) standard;
        }

        @Override
        public ValueDeserializer<?> createContextual(DeserializationContext context, BeanProperty property) {
            ValueDeserializer<?> contextual = standard.createContextual(context, property);
            return contextual == standard ? this : new NulFreeUntyped(contextual);
        }

        @Override
        public Object deserialize(JsonParser parser, DeserializationContext context) {
            return checked(parser, standard.deserialize(parser, context));
        }

        @Override
        public Object deserializeWithType(JsonParser parser, DeserializationContext context,
                TypeDeserializer types) {
            return checked(parser, standard.deserializeWithType(parser, context, types));
        }

        @Override
        public LogicalType logicalType() {
            return LogicalType.Untyped;
        }

        @Override
        public boolean isCachable() {
            return standard.isCachable();
        }

        private static Object checked(JsonParser parser, Object value) {
            List<Object> path = new ArrayList<>();
            String found = findNul(value, path);
            if (found != null) {
                JacksonException problem = new NulCharacter(parser, found);
                for (int i = path.size() - 1; i >= 0; i--) {
                    problem = path.get(i) instanceof Integer index ? problem.prependPath(value, index)
                            : problem.prependPath(value, (String) path.get(i));
                }
                throw problem;
            }
            return value;
        }

        /** The first text holding NUL, with {@code path} left pointing at it; {@code null} when there is none. */
        private static String findNul(Object value, List<Object> path) {
            if (value instanceof String text) {
                return text.indexOf('\0') >= 0 ? text : null;
            }
            if (value instanceof Map<?, ?> map) {
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    String key = String.valueOf(entry.getKey());
                    path.add(key);
                    if (key.indexOf('\0') >= 0) {
                        return key;
                    }
                    String found = findNul(entry.getValue(), path);
                    if (found != null) {
                        return found;
                    }
                    path.remove(path.size() - 1);
                }
            }
            else if (value instanceof List<?> list) {
                for (int i = 0; i < list.size(); i++) {
                    path.add(i);
                    String found = findNul(list.get(i), path);
                    if (found != null) {
                        return found;
                    }
                    path.remove(path.size() - 1);
                }
            }
            return null;
        }
    }
}
