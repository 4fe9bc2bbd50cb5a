/*
 * JSON schema to GBNF for the JNI shim, through llama.cpp v0.5.0's own converter (common/json-schema-to-grammar.cpp,
 * built once per machine by scripts/llama-cpp.sh grammar), so the grammar the local engine samples under is the one
 * llama.cpp's server would build from the same schema.
 *
 * The converter is C++ and throws; the shim is C and runs inside the JVM, so this file is the only boundary: every
 * exception stops here and comes back as an error message. Nothing else of libllama-common is linked: the three
 * string helpers the converter takes from common.cpp are defined below (common.cpp itself calls into libllama,
 * which the shim opens with dlopen, not through the linker), and so is ggml_abort, which the JSON wrapper's
 * assertions call, turned into an exception.
 */
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "json-schema-to-grammar.h"
#include "json.h"

std::string string_join(const std::vector<std::string> & values, const std::string & separator) {
    std::string joined;
    for (size_t i = 0; i < values.size(); i++) {
        if (i > 0) {
            joined += separator;
        }
        joined += values[i];
    }
    return joined;
}

std::vector<std::string> string_split(const std::string & text, const std::string & delimiter) {
    std::vector<std::string> parts;
    size_t from = 0;
    for (size_t at = text.find(delimiter); at != std::string::npos; at = text.find(delimiter, from)) {
        parts.push_back(text.substr(from, at - from));
        from = at + delimiter.size();
    }
    parts.push_back(text.substr(from));
    return parts;
}

std::string string_repeat(const std::string & text, size_t n) {
    std::string repeated;
    repeated.reserve(text.size() * n);
    for (size_t i = 0; i < n; i++) {
        repeated += text;
    }
    return repeated;
}

extern "C" void ggml_abort(const char * file, int line, const char * format, ...) {
    char message[512];
    va_list args;
    va_start(args, format);
    int used = snprintf(message, sizeof message, "%s:%d: ", file, line);
    if (used > 0 && (size_t) used < sizeof message) {
        vsnprintf(message + used, sizeof message - (size_t) used, format, args);
    }
    va_end(args);
    throw std::runtime_error(message);
}

/*
 * The GBNF for a JSON schema (its text, UTF-8), malloc'd, or NULL with the reason in problem. Whitespace between
 * JSON tokens is narrowed to one optional space: the converter's default allows up to two newlines and twenty
 * indentation characters at every gap, which a model near its token limit could spend instead of closing the JSON.
 */
extern "C" char * lore_json_schema_to_grammar(const char * schema, char * problem, size_t size) {
    try {
        std::string gbnf = json_schema_to_grammar(common_json::parse(schema), true);
        const std::string space_rule = "\nspace ::= ";
        size_t at = gbnf.find(space_rule);
        if (gbnf.rfind("space ::= ", 0) == 0) {
            at = 0;
        } else if (at != std::string::npos) {
            at += 1;
        }
        if (at != std::string::npos) {
            size_t end = gbnf.find('\n', at);
            gbnf.replace(at, end == std::string::npos ? std::string::npos : end - at, "space ::= \" \"?");
        }
        char * copy = static_cast<char *>(malloc(gbnf.size() + 1));
        if (copy == nullptr) {
            snprintf(problem, size, "out of memory");
            return nullptr;
        }
        memcpy(copy, gbnf.c_str(), gbnf.size() + 1);
        return copy;
    } catch (const std::exception & ex) {
        snprintf(problem, size, "%s", ex.what());
    } catch (...) {
        snprintf(problem, size, "the schema could not be converted to a grammar");
    }
    return nullptr;
}
