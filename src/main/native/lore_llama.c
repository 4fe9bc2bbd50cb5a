/*
 * Lore's JNI shim over the llama.cpp C API, compiled against the release's own include/llama.h and ggml headers
 * (fetched by scripts/llama-cpp.sh), so no struct layout is written by hand here.
 *
 * The library is opened with dlopen(RTLD_LOCAL) rather than linked: lore.local.library can then point at another
 * build of the same release (e.g. the CUDA one) without both landing in the global symbol namespace. Every
 * function is resolved through a pointer typed from the header's own declaration, and nothing is called before
 * the library's llama_version() and ggml_version() equal the headers' release (LORE_LLAMA_VERSION,
 * LORE_GGML_VERSION, passed in by the build) and every function the shim uses is present.
 *
 * llama.cpp ends the process (GGML_ABORT) on some invalid inputs, so every entry point checks its arguments first:
 * token ids against the vocabulary, positions against n_ctx, batch lengths against n_batch.
 */
#include <jni.h>
#include <dlfcn.h>
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llama.h"
#include "ggml-backend.h"

#ifndef LORE_LLAMA_VERSION
#error "LORE_LLAMA_VERSION (the release of llama.h, e.g. 0.5.0) must be defined by the build"
#endif
#ifndef LORE_GGML_VERSION
#error "LORE_GGML_VERSION (the release of ggml.h, e.g. 0.25.1) must be defined by the build"
#endif

#define LLAMA_FUNCTIONS(X)                                                                                         \
    X(llama_version)                                                                                               \
    X(ggml_version)                                                                                                \
    X(ggml_commit)                                                                                                 \
    X(ggml_backend_load_all_from_path)                                                                             \
    X(ggml_backend_dev_count)                                                                                      \
    X(ggml_backend_dev_get)                                                                                        \
    X(ggml_backend_dev_name)                                                                                       \
    X(ggml_backend_dev_description)                                                                                \
    X(ggml_backend_dev_type)                                                                                       \
    X(llama_backend_init)                                                                                          \
    X(llama_log_set)                                                                                               \
    X(llama_supports_gpu_offload)                                                                                  \
    X(llama_model_default_params)                                                                                  \
    X(llama_context_default_params)                                                                                \
    X(llama_sampler_chain_default_params)                                                                          \
    X(llama_model_load_from_file)                                                                                  \
    X(llama_model_free)                                                                                            \
    X(llama_init_from_model)                                                                                       \
    X(llama_free)                                                                                                  \
    X(llama_model_get_vocab)                                                                                       \
    X(llama_vocab_n_tokens)                                                                                        \
    X(llama_vocab_is_eog)                                                                                          \
    X(llama_model_n_ctx_train)                                                                                     \
    X(llama_model_n_embd)                                                                                          \
    X(llama_model_n_layer)                                                                                         \
    X(llama_model_desc)                                                                                            \
    X(llama_model_chat_template)                                                                                   \
    X(llama_n_ctx)                                                                                                 \
    X(llama_n_batch)                                                                                               \
    X(llama_n_ubatch)                                                                                              \
    X(llama_tokenize)                                                                                              \
    X(llama_token_to_piece)                                                                                        \
    X(llama_chat_apply_template)                                                                                   \
    X(llama_batch_init)                                                                                            \
    X(llama_batch_free)                                                                                            \
    X(llama_decode)                                                                                                \
    X(llama_get_logits_ith)                                                                                        \
    X(llama_get_memory)                                                                                            \
    X(llama_memory_clear)                                                                                          \
    X(llama_memory_seq_rm)                                                                                         \
    X(llama_set_abort_callback)                                                                                    \
    X(llama_sampler_chain_init)                                                                                    \
    X(llama_sampler_chain_add)                                                                                     \
    X(llama_sampler_init_greedy)                                                                                   \
    X(llama_sampler_init_dist)                                                                                     \
    X(llama_sampler_init_temp)                                                                                     \
    X(llama_sampler_init_top_p)                                                                                    \
    X(llama_sampler_init_grammar)                                                                                  \
    X(llama_sampler_apply)                                                                                         \
    X(llama_sampler_accept)                                                                                        \
    X(llama_sampler_free)                                                                                          \
    X(llama_perf_context)                                                                                          \
    X(llama_perf_context_reset)

#define DECLARE(name) static __typeof__(name) *p_##name;
LLAMA_FUNCTIONS(DECLARE)

/* A context with what the checks before each call need, and the flag its abort callback reads. */
struct lore_context {
    struct llama_context *ctx;
    const struct llama_vocab *vocab;
    int32_t n_vocab;
    uint32_t n_ctx;
    uint32_t n_batch;
    atomic_int abort;
};

static void *library;
static char identity[256];
static __thread char last_error[1024];
static volatile int verbose;

static void on_log(enum ggml_log_level level, const char *text, void *user_data) {
    (void) user_data;
    if (text == NULL) {
        return;
    }
    if (level == GGML_LOG_LEVEL_ERROR) {
        size_t used = strlen(last_error);
        if (used + 1 < sizeof last_error) {
            snprintf(last_error + used, sizeof last_error - used, "%s", text);
        }
    }
    if (verbose) {
        fputs(text, stderr);
    }
}

static void throw_java(JNIEnv *env, const char *class_name, const char *message) {
    if ((*env)->ExceptionCheck(env)) {
        return;
    }
    jclass type = (*env)->FindClass(env, class_name);
    if (type != NULL) {
        (*env)->ThrowNew(env, type, message);
    }
}

static void fail(JNIEnv *env, const char *what) {
    char message[1400];
    size_t n = strlen(last_error);
    while (n > 0 && (last_error[n - 1] == '\n' || last_error[n - 1] == ' ')) {
        last_error[--n] = '\0';
    }
    if (n > 0) {
        snprintf(message, sizeof message, "%s (llama.cpp: %s)", what, last_error);
    } else {
        snprintf(message, sizeof message, "%s", what);
    }
    last_error[0] = '\0';
    throw_java(env, "dev/lore/models/local/LlamaException", message);
}

static bool bound(JNIEnv *env) {
    if (library == NULL) {
        throw_java(env, "java/lang/IllegalStateException", "the llama.cpp library is not bound");
        return false;
    }
    return true;
}

/* A NUL-terminated copy of a byte array (UTF-8 crosses JNI as bytes: modified UTF-8 mangles emoji and NUL). */
static char *copy_bytes(JNIEnv *env, jbyteArray bytes, jsize *length) {
    jsize n = (*env)->GetArrayLength(env, bytes);
    char *copy = malloc((size_t) n + 1);
    if (copy == NULL) {
        throw_java(env, "java/lang/OutOfMemoryError", "copying bytes for llama.cpp");
        return NULL;
    }
    (*env)->GetByteArrayRegion(env, bytes, 0, n, (jbyte *) copy);
    copy[n] = '\0';
    if (length != NULL) {
        *length = n;
    }
    return copy;
}

static jbyteArray new_bytes(JNIEnv *env, const char *bytes, size_t length) {
    jbyteArray array = (*env)->NewByteArray(env, (jsize) length);
    if (array != NULL) {
        (*env)->SetByteArrayRegion(env, array, 0, (jsize) length, (const jbyte *) bytes);
    }
    return array;
}

static bool version_is(const char *actual, const char *expected) {
    size_t n = strlen(expected);
    /* a release built from its tag without LLAMA_BUILD_IS_DEV=OFF reports "<version>-dev" */
    return actual != NULL && strncmp(actual, expected, n) == 0 && (actual[n] == '\0' || strcmp(actual + n, "-dev") == 0);
}

/* Opens file and checks it is the release the headers describe; returns the handle, or NULL with the reason. */
static void *open_checked(const char *file, char *problem, size_t size) {
    void *handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        snprintf(problem, size, "cannot load %s: %s", file, dlerror());
        return NULL;
    }
    const char *(*llama_version_of)(void) = (const char *(*) (void)) dlsym(handle, "llama_version");
    const char *(*ggml_version_of)(void) = (const char *(*) (void)) dlsym(handle, "ggml_version");
    if (llama_version_of == NULL || ggml_version_of == NULL) {
        snprintf(problem, size,
                 "%s is not llama.cpp %s: it has no llama_version()/ggml_version(), so it predates the API Lore's "
                 "shim was compiled against",
                 file, LORE_LLAMA_VERSION);
        dlclose(handle);
        return NULL;
    }
    const char *llama_version_found = llama_version_of();
    const char *ggml_version_found = ggml_version_of();
    if (!version_is(llama_version_found, LORE_LLAMA_VERSION) || !version_is(ggml_version_found, LORE_GGML_VERSION)) {
        snprintf(problem, size,
                 "%s is llama.cpp %s with ggml %s, but Lore's shim was compiled against llama.cpp %s with ggml %s; "
                 "use a build of that release",
                 file, llama_version_found ? llama_version_found : "?", ggml_version_found ? ggml_version_found : "?",
                 LORE_LLAMA_VERSION, LORE_GGML_VERSION);
        dlclose(handle);
        return NULL;
    }
    char missing[1024];
    size_t used = 0;
    missing[0] = '\0';
#define CHECK_PRESENT(name)                                                                                        \
    if (dlsym(handle, #name) == NULL && used + 64 < sizeof missing) {                                              \
        used += (size_t) snprintf(missing + used, sizeof missing - used, "%s%s", used ? ", " : "", #name);         \
    }
    LLAMA_FUNCTIONS(CHECK_PRESENT)
    if (used > 0) {
        snprintf(problem, size, "%s reports llama.cpp %s but lacks functions the shim calls: %s", file,
                 llama_version_found, missing);
        dlclose(handle);
        return NULL;
    }
    return handle;
}

/* Checks a library without binding to it: null when it is the headers' release, otherwise why not. */
JNIEXPORT jstring JNICALL Java_dev_lore_models_local_LlamaNative_verify(JNIEnv *env, jclass type, jbyteArray path) {
    (void) type;
    char problem[2048];
    char *file = copy_bytes(env, path, NULL);
    if (file == NULL) {
        return NULL;
    }
    void *handle = open_checked(file, problem, sizeof problem);
    free(file);
    if (handle == NULL) {
        return (*env)->NewStringUTF(env, problem);
    }
    dlclose(handle);
    return NULL;
}

/*
 * Binds the shim to the library at path; backends that ggml loads at run time (CPU variants, CUDA) are looked up
 * in directory. Returns null, or why the library was refused.
 */
JNIEXPORT jstring JNICALL Java_dev_lore_models_local_LlamaNative_bind(JNIEnv *env, jclass type, jbyteArray path,
                                                                       jbyteArray directory, jboolean log_to_stderr) {
    (void) type;
    char problem[2048];
    if (library != NULL) {
        return NULL;
    }
    char *file = copy_bytes(env, path, NULL);
    char *dir = file == NULL ? NULL : copy_bytes(env, directory, NULL);
    if (dir == NULL) {
        free(file);
        return NULL;
    }
    void *handle = open_checked(file, problem, sizeof problem);
    free(file);
    if (handle == NULL) {
        free(dir);
        return (*env)->NewStringUTF(env, problem);
    }
#define RESOLVE(name) p_##name = (__typeof__(name) *) dlsym(handle, #name);
    LLAMA_FUNCTIONS(RESOLVE)
    verbose = log_to_stderr;
    p_llama_log_set(on_log, NULL);
    p_ggml_backend_load_all_from_path(dir);
    free(dir);
    bool cpu = false;
    for (size_t i = 0; i < p_ggml_backend_dev_count(); i++) {
        cpu = cpu || p_ggml_backend_dev_type(p_ggml_backend_dev_get(i)) == GGML_BACKEND_DEVICE_TYPE_CPU;
    }
    if (!cpu) {
        snprintf(problem, sizeof problem,
                 "llama.cpp loaded but ggml found no CPU backend (libggml-cpu*.so) next to it%s%s",
                 last_error[0] ? ": " : "", last_error);
        last_error[0] = '\0';
        return (*env)->NewStringUTF(env, problem);
    }
    p_llama_backend_init();
    snprintf(identity, sizeof identity, "llama.cpp %s, ggml %s (%s)", p_llama_version(), p_ggml_version(),
             p_ggml_commit());
    library = handle;
    return NULL;
}

JNIEXPORT jstring JNICALL Java_dev_lore_models_local_LlamaNative_identity(JNIEnv *env, jclass type) {
    (void) type;
    return bound(env) ? (*env)->NewStringUTF(env, identity) : NULL;
}

/* The devices ggml can run on, each as "type|name|description" (type: cpu, gpu, igpu, accel, meta). */
JNIEXPORT jobjectArray JNICALL Java_dev_lore_models_local_LlamaNative_devices(JNIEnv *env, jclass type) {
    (void) type;
    if (!bound(env)) {
        return NULL;
    }
    size_t n = p_ggml_backend_dev_count();
    jclass string_class = (*env)->FindClass(env, "java/lang/String");
    jobjectArray result = (*env)->NewObjectArray(env, (jsize) n, string_class, NULL);
    for (size_t i = 0; result != NULL && i < n; i++) {
        ggml_backend_dev_t device = p_ggml_backend_dev_get(i);
        const char *kind;
        switch (p_ggml_backend_dev_type(device)) {
        case GGML_BACKEND_DEVICE_TYPE_CPU: kind = "cpu"; break;
        case GGML_BACKEND_DEVICE_TYPE_GPU: kind = "gpu"; break;
        case GGML_BACKEND_DEVICE_TYPE_IGPU: kind = "igpu"; break;
        default: kind = "other"; break;
        }
        char text[512];
        const char *name = p_ggml_backend_dev_name(device);
        const char *description = p_ggml_backend_dev_description(device);
        snprintf(text, sizeof text, "%s|%s|%s", kind, name ? name : "", description ? description : "");
        jstring value = (*env)->NewStringUTF(env, text);
        (*env)->SetObjectArrayElement(env, result, (jsize) i, value);
        (*env)->DeleteLocalRef(env, value);
    }
    return result;
}

JNIEXPORT jboolean JNICALL Java_dev_lore_models_local_LlamaNative_supportsGpuOffload(JNIEnv *env, jclass type) {
    (void) type;
    return bound(env) && p_llama_supports_gpu_offload();
}

JNIEXPORT jlong JNICALL Java_dev_lore_models_local_LlamaNative_loadModel(JNIEnv *env, jclass type, jbyteArray path,
                                                                          jint gpu_layers) {
    (void) type;
    if (!bound(env)) {
        return 0;
    }
    if (gpu_layers < 0) {
        throw_java(env, "java/lang/IllegalArgumentException", "gpu layers must not be negative");
        return 0;
    }
    char *file = copy_bytes(env, path, NULL);
    if (file == NULL) {
        return 0;
    }
    struct llama_model_params params = p_llama_model_default_params();
    params.n_gpu_layers = gpu_layers;
    last_error[0] = '\0';
    struct llama_model *model = p_llama_model_load_from_file(file, params);
    free(file);
    if (model == NULL) {
        fail(env, "llama.cpp could not load the model");
        return 0;
    }
    const struct llama_vocab *vocab = p_llama_model_get_vocab(model);
    if (vocab == NULL || p_llama_vocab_n_tokens(vocab) <= 0) {
        p_llama_model_free(model);
        fail(env, "the model has no vocabulary");
        return 0;
    }
    return (jlong) (intptr_t) model;
}

JNIEXPORT void JNICALL Java_dev_lore_models_local_LlamaNative_freeModel(JNIEnv *env, jclass type, jlong model) {
    (void) env;
    (void) type;
    if (model != 0 && library != NULL) {
        p_llama_model_free((struct llama_model *) (intptr_t) model);
    }
}

static struct llama_model *model_of(JNIEnv *env, jlong handle) {
    if (handle == 0) {
        throw_java(env, "java/lang/IllegalStateException", "the model is closed");
        return NULL;
    }
    return bound(env) ? (struct llama_model *) (intptr_t) handle : NULL;
}

static struct lore_context *context_of(JNIEnv *env, jlong handle) {
    if (handle == 0) {
        throw_java(env, "java/lang/IllegalStateException", "the context is closed");
        return NULL;
    }
    return bound(env) ? (struct lore_context *) (intptr_t) handle : NULL;
}

/* {vocabulary size, training context length, embedding size, layers}. */
JNIEXPORT jintArray JNICALL Java_dev_lore_models_local_LlamaNative_modelShape(JNIEnv *env, jclass type,
                                                                               jlong handle) {
    (void) type;
    struct llama_model *model = model_of(env, handle);
    if (model == NULL) {
        return NULL;
    }
    jint shape[4] = {p_llama_vocab_n_tokens(p_llama_model_get_vocab(model)), p_llama_model_n_ctx_train(model),
                     p_llama_model_n_embd(model), p_llama_model_n_layer(model)};
    jintArray result = (*env)->NewIntArray(env, 4);
    if (result != NULL) {
        (*env)->SetIntArrayRegion(env, result, 0, 4, shape);
    }
    return result;
}

JNIEXPORT jbyteArray JNICALL Java_dev_lore_models_local_LlamaNative_description(JNIEnv *env, jclass type,
                                                                                 jlong handle) {
    (void) type;
    struct llama_model *model = model_of(env, handle);
    if (model == NULL) {
        return NULL;
    }
    char text[256];
    int32_t n = p_llama_model_desc(model, text, sizeof text);
    if (n < 0) {
        return NULL;
    }
    return new_bytes(env, text, strnlen(text, sizeof text));
}

JNIEXPORT jbyteArray JNICALL Java_dev_lore_models_local_LlamaNative_chatTemplate(JNIEnv *env, jclass type,
                                                                                  jlong handle) {
    (void) type;
    struct llama_model *model = model_of(env, handle);
    if (model == NULL) {
        return NULL;
    }
    const char *tmpl = p_llama_model_chat_template(model, NULL);
    return tmpl == NULL ? NULL : new_bytes(env, tmpl, strlen(tmpl));
}

static bool should_abort(void *data) {
    return atomic_load(&((struct lore_context *) data)->abort) != 0;
}

JNIEXPORT jlong JNICALL Java_dev_lore_models_local_LlamaNative_newContext(JNIEnv *env, jclass type, jlong handle,
                                                                           jint n_ctx, jint n_batch, jint threads) {
    (void) type;
    struct llama_model *model = model_of(env, handle);
    if (model == NULL) {
        return 0;
    }
    if (n_ctx <= 0 || n_batch <= 0 || threads <= 0) {
        throw_java(env, "java/lang/IllegalArgumentException", "context size, batch and threads must be positive");
        return 0;
    }
    struct lore_context *wrapper = calloc(1, sizeof *wrapper);
    if (wrapper == NULL) {
        throw_java(env, "java/lang/OutOfMemoryError", "context");
        return 0;
    }
    struct llama_context_params params = p_llama_context_default_params();
    params.n_ctx = (uint32_t) n_ctx;
    params.n_batch = (uint32_t) n_batch;
    params.n_ubatch = (uint32_t) n_batch;
    params.n_seq_max = 1;
    params.n_threads = threads;
    params.n_threads_batch = threads;
    params.embeddings = false;
    params.no_perf = false;
    params.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    params.abort_callback = should_abort;
    params.abort_callback_data = wrapper;
    last_error[0] = '\0';
    struct llama_context *ctx = p_llama_init_from_model(model, params);
    if (ctx == NULL) {
        free(wrapper);
        fail(env, "llama.cpp could not create a context");
        return 0;
    }
    wrapper->ctx = ctx;
    wrapper->vocab = p_llama_model_get_vocab(model);
    wrapper->n_vocab = p_llama_vocab_n_tokens(wrapper->vocab);
    wrapper->n_ctx = p_llama_n_ctx(ctx);
    wrapper->n_batch = p_llama_n_batch(ctx) < p_llama_n_ubatch(ctx) ? p_llama_n_batch(ctx) : p_llama_n_ubatch(ctx);
    return (jlong) (intptr_t) wrapper;
}

JNIEXPORT void JNICALL Java_dev_lore_models_local_LlamaNative_freeContext(JNIEnv *env, jclass type, jlong handle) {
    (void) env;
    (void) type;
    if (handle != 0 && library != NULL) {
        struct lore_context *wrapper = (struct lore_context *) (intptr_t) handle;
        p_llama_free(wrapper->ctx);
        free(wrapper);
    }
}

/* Asks a decode running on this context to stop at its next check (the CPU backend checks between graph nodes). */
JNIEXPORT void JNICALL Java_dev_lore_models_local_LlamaNative_abort(JNIEnv *env, jclass type, jlong handle,
                                                                     jboolean on) {
    (void) type;
    struct lore_context *wrapper = context_of(env, handle);
    if (wrapper != NULL) {
        atomic_store(&wrapper->abort, on ? 1 : 0);
    }
}

/* {n_ctx, n_batch} as llama.cpp set them (n_batch: the most tokens one decode call accepts). */
JNIEXPORT jintArray JNICALL Java_dev_lore_models_local_LlamaNative_contextShape(JNIEnv *env, jclass type,
                                                                                 jlong handle) {
    (void) type;
    struct lore_context *wrapper = context_of(env, handle);
    if (wrapper == NULL) {
        return NULL;
    }
    jint shape[2] = {(jint) wrapper->n_ctx, (jint) wrapper->n_batch};
    jintArray result = (*env)->NewIntArray(env, 2);
    if (result != NULL) {
        (*env)->SetIntArrayRegion(env, result, 0, 2, shape);
    }
    return result;
}

JNIEXPORT jintArray JNICALL Java_dev_lore_models_local_LlamaNative_tokenize(JNIEnv *env, jclass type,
                                                                             jlong handle, jbyteArray utf8,
                                                                             jboolean add_special,
                                                                             jboolean parse_special) {
    (void) type;
    struct llama_model *model = model_of(env, handle);
    if (model == NULL || utf8 == NULL) {
        return NULL;
    }
    const struct llama_vocab *vocab = p_llama_model_get_vocab(model);
    jsize length;
    char *text = copy_bytes(env, utf8, &length);
    if (text == NULL) {
        return NULL;
    }
    int32_t capacity = length + 8;
    llama_token *tokens = malloc(sizeof(llama_token) * (size_t) capacity);
    int32_t n = tokens == NULL ? 0 : p_llama_tokenize(vocab, text, length, tokens, capacity, add_special,
                                                      parse_special);
    if (n < 0 && n != INT32_MIN) {
        capacity = -n;
        free(tokens);
        tokens = malloc(sizeof(llama_token) * (size_t) capacity);
        n = tokens == NULL ? 0 : p_llama_tokenize(vocab, text, length, tokens, capacity, add_special,
                                                  parse_special);
    }
    free(text);
    if (tokens == NULL || n < 0) {
        free(tokens);
        fail(env, "tokenization failed");
        return NULL;
    }
    jintArray result = (*env)->NewIntArray(env, n);
    if (result != NULL) {
        (*env)->SetIntArrayRegion(env, result, 0, n, tokens);
    }
    free(tokens);
    return result;
}

JNIEXPORT jbyteArray JNICALL Java_dev_lore_models_local_LlamaNative_piece(JNIEnv *env, jclass type, jlong handle,
                                                                           jint token) {
    (void) type;
    struct llama_model *model = model_of(env, handle);
    if (model == NULL) {
        return NULL;
    }
    const struct llama_vocab *vocab = p_llama_model_get_vocab(model);
    if (token < 0 || token >= p_llama_vocab_n_tokens(vocab)) {
        throw_java(env, "java/lang/IllegalArgumentException", "token id outside the vocabulary");
        return NULL;
    }
    char small[128];
    char *buf = small;
    int32_t n = p_llama_token_to_piece(vocab, token, buf, sizeof small, 0, false);
    if (n < 0) {
        buf = malloc((size_t) -n);
        if (buf == NULL) {
            throw_java(env, "java/lang/OutOfMemoryError", "piece");
            return NULL;
        }
        n = p_llama_token_to_piece(vocab, token, buf, -n, 0, false);
    }
    jbyteArray result = n < 0 ? NULL : new_bytes(env, buf, (size_t) n);
    if (buf != small) {
        free(buf);
    }
    return result;
}

JNIEXPORT jboolean JNICALL Java_dev_lore_models_local_LlamaNative_isEndOfGeneration(JNIEnv *env, jclass type,
                                                                                     jlong handle, jint token) {
    (void) type;
    struct llama_model *model = model_of(env, handle);
    if (model == NULL) {
        return JNI_TRUE;
    }
    const struct llama_vocab *vocab = p_llama_model_get_vocab(model);
    if (token < 0 || token >= p_llama_vocab_n_tokens(vocab)) {
        return JNI_TRUE;
    }
    return p_llama_vocab_is_eog(vocab, token);
}

/* Returns the formatted prompt as UTF-8, or null when llama.cpp does not recognise the template. */
JNIEXPORT jbyteArray JNICALL Java_dev_lore_models_local_LlamaNative_applyTemplate(JNIEnv *env, jclass type,
                                                                                   jbyteArray template_text,
                                                                                   jobjectArray roles,
                                                                                   jobjectArray contents,
                                                                                   jboolean add_assistant) {
    (void) type;
    if (!bound(env) || template_text == NULL || roles == NULL || contents == NULL) {
        return NULL;
    }
    jsize n = (*env)->GetArrayLength(env, roles);
    if (n != (*env)->GetArrayLength(env, contents)) {
        throw_java(env, "java/lang/IllegalArgumentException", "roles and contents differ in length");
        return NULL;
    }
    char *tmpl = copy_bytes(env, template_text, NULL);
    struct llama_chat_message *chat = calloc((size_t) n + 1, sizeof *chat);
    size_t total = 0;
    bool ok = tmpl != NULL && chat != NULL;
    for (jsize i = 0; ok && i < n; i++) {
        jbyteArray role = (jbyteArray) (*env)->GetObjectArrayElement(env, roles, i);
        jbyteArray content = (jbyteArray) (*env)->GetObjectArrayElement(env, contents, i);
        jsize role_length = 0;
        jsize content_length = 0;
        chat[i].role = role == NULL ? NULL : copy_bytes(env, role, &role_length);
        chat[i].content = content == NULL ? NULL : copy_bytes(env, content, &content_length);
        ok = chat[i].role != NULL && chat[i].content != NULL;
        total += (size_t) role_length + (size_t) content_length;
        (*env)->DeleteLocalRef(env, role);
        (*env)->DeleteLocalRef(env, content);
    }
    jbyteArray result = NULL;
    if (ok) {
        int32_t capacity = (int32_t) (total * 2 + 1024);
        char *buf = malloc((size_t) capacity);
        int32_t length = buf == NULL ? -1 : p_llama_chat_apply_template(tmpl, chat, (size_t) n, add_assistant, buf,
                                                                         capacity);
        if (length > capacity) {
            free(buf);
            capacity = length + 1;
            buf = malloc((size_t) capacity);
            length = buf == NULL ? -1 : p_llama_chat_apply_template(tmpl, chat, (size_t) n, add_assistant, buf,
                                                                     capacity);
        }
        if (length >= 0 && length <= capacity) {
            result = new_bytes(env, buf, (size_t) length);
        }
        free(buf);
    }
    for (jsize i = 0; chat != NULL && i < n; i++) {
        free((void *) chat[i].role);
        free((void *) chat[i].content);
    }
    free(chat);
    free(tmpl);
    return result;
}

/*
 * Decodes tokens[offset, offset + length) at positions start, start + 1, ... of sequence 0; logits are kept for
 * the tokens from index logits_from of the slice on (their batch index is then their index in the slice).
 * Returns false when the decode was aborted (see abort), true when it completed.
 */
JNIEXPORT jboolean JNICALL Java_dev_lore_models_local_LlamaNative_decode(JNIEnv *env, jclass type, jlong handle,
                                                                          jintArray tokens, jint offset, jint length,
                                                                          jint start, jint logits_from) {
    (void) type;
    struct lore_context *wrapper = context_of(env, handle);
    if (wrapper == NULL || tokens == NULL) {
        return JNI_FALSE;
    }
    jsize available = (*env)->GetArrayLength(env, tokens);
    if (length <= 0 || offset < 0 || offset > available - length) {
        throw_java(env, "java/lang/IllegalArgumentException", "token slice outside the array");
        return JNI_FALSE;
    }
    if ((uint32_t) length > wrapper->n_batch) {
        throw_java(env, "java/lang/IllegalArgumentException", "more tokens than the batch size");
        return JNI_FALSE;
    }
    if (start < 0 || (int64_t) start + length > (int64_t) wrapper->n_ctx) {
        fail(env, "the tokens do not fit in the context window");
        return JNI_FALSE;
    }
    struct llama_batch batch = p_llama_batch_init(length, 0, 1);
    if (batch.token == NULL || batch.pos == NULL || batch.seq_id == NULL || batch.logits == NULL) {
        p_llama_batch_free(batch);
        throw_java(env, "java/lang/OutOfMemoryError", "llama_batch_init");
        return JNI_FALSE;
    }
    (*env)->GetIntArrayRegion(env, tokens, offset, length, batch.token);
    for (int32_t i = 0; i < length; i++) {
        if (batch.token[i] < 0 || batch.token[i] >= wrapper->n_vocab) {
            p_llama_batch_free(batch);
            throw_java(env, "java/lang/IllegalArgumentException", "token id outside the vocabulary");
            return JNI_FALSE;
        }
        batch.pos[i] = start + i;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = i >= logits_from;
    }
    batch.n_tokens = length;
    last_error[0] = '\0';
    int32_t status = p_llama_decode(wrapper->ctx, batch);
    p_llama_batch_free(batch);
    if (status == 2 && atomic_load(&wrapper->abort)) {
        last_error[0] = '\0';
        return JNI_FALSE;
    }
    if (status == 1) {
        fail(env, "no room left in the KV cache");
    } else if (status != 0) {
        char what[64];
        snprintf(what, sizeof what, "llama_decode failed with status %d", status);
        fail(env, what);
    }
    return status == 0;
}

/* Drops every cached position from `from` on; false when llama.cpp cannot cut the sequence there. */
JNIEXPORT jboolean JNICALL Java_dev_lore_models_local_LlamaNative_truncate(JNIEnv *env, jclass type, jlong handle,
                                                                            jint from) {
    (void) type;
    struct lore_context *wrapper = context_of(env, handle);
    if (wrapper == NULL) {
        return JNI_FALSE;
    }
    llama_memory_t memory = p_llama_get_memory(wrapper->ctx);
    if (memory == NULL) {
        return JNI_FALSE;
    }
    if (from <= 0) {
        p_llama_memory_clear(memory, false);
        return JNI_TRUE;
    }
    return p_llama_memory_seq_rm(memory, 0, from, -1);
}

/*
 * Log-softmax of the raw logits at batch index i: returns log p(token) and fills the top alternatives, most
 * likely first. The distribution is the model's own, before temperature or top-p reshape it for sampling.
 */
JNIEXPORT jfloat JNICALL Java_dev_lore_models_local_LlamaNative_logprobs(JNIEnv *env, jclass type, jlong handle,
                                                                          jint i, jint token, jintArray top_ids,
                                                                          jfloatArray top_logprobs) {
    (void) type;
    struct lore_context *wrapper = context_of(env, handle);
    if (wrapper == NULL) {
        return NAN;
    }
    int32_t n_vocab = wrapper->n_vocab;
    if (token < 0 || token >= n_vocab) {
        throw_java(env, "java/lang/IllegalArgumentException", "token id outside the vocabulary");
        return NAN;
    }
    if (i < 0 || (uint32_t) i >= wrapper->n_batch) {
        throw_java(env, "java/lang/IllegalArgumentException", "batch index outside the batch");
        return NAN;
    }
    const float *logits = p_llama_get_logits_ith(wrapper->ctx, i);
    if (logits == NULL) {
        fail(env, "no logits at that batch index");
        return NAN;
    }
    float max = logits[0];
    for (int32_t v = 1; v < n_vocab; v++) {
        if (logits[v] > max) {
            max = logits[v];
        }
    }
    double sum = 0;
    for (int32_t v = 0; v < n_vocab; v++) {
        sum += exp((double) logits[v] - max);
    }
    double log_norm = max + log(sum);
    jsize k = top_ids == NULL ? 0 : (*env)->GetArrayLength(env, top_ids);
    if (top_logprobs == NULL || (*env)->GetArrayLength(env, top_logprobs) < k) {
        k = 0;
    }
    if (k > n_vocab) {
        k = n_vocab;
    }
    if (k > 64) {
        k = 64;
    }
    if (k > 0) {
        jint ids[64];
        jfloat values[64];
        jsize filled = 0;
        for (int32_t v = 0; v < n_vocab; v++) {
            float value = logits[v];
            if (filled == k && value <= values[k - 1]) {
                continue;
            }
            jsize at = filled < k ? filled++ : k - 1;
            while (at > 0 && values[at - 1] < value) {
                values[at] = values[at - 1];
                ids[at] = ids[at - 1];
                at--;
            }
            values[at] = value;
            ids[at] = v;
        }
        for (jsize j = 0; j < k; j++) {
            values[j] = (jfloat) ((double) values[j] - log_norm);
        }
        (*env)->SetIntArrayRegion(env, top_ids, 0, k, ids);
        (*env)->SetFloatArrayRegion(env, top_logprobs, 0, k, values);
    }
    return (jfloat) ((double) logits[token] - log_norm);
}

/* JSON schema to GBNF through llama.cpp's own converter (lore_grammar.cpp); malloc'd, or NULL with the reason. */
char *lore_json_schema_to_grammar(const char *schema, char *problem, size_t size);

JNIEXPORT jbyteArray JNICALL Java_dev_lore_models_local_LlamaNative_jsonSchemaToGrammar(JNIEnv *env, jclass type,
                                                                                         jbyteArray schema) {
    (void) type;
    if (schema == NULL) {
        throw_java(env, "java/lang/IllegalArgumentException", "no schema");
        return NULL;
    }
    char *text = copy_bytes(env, schema, NULL);
    if (text == NULL) {
        return NULL;
    }
    char problem[1024];
    problem[0] = '\0';
    char *gbnf = lore_json_schema_to_grammar(text, problem, sizeof problem);
    free(text);
    if (gbnf == NULL) {
        char message[1200];
        snprintf(message, sizeof message, "the schema cannot be turned into a grammar: %s", problem);
        throw_java(env, "dev/lore/models/local/LlamaException", message);
        return NULL;
    }
    jbyteArray result = new_bytes(env, gbnf, strlen(gbnf));
    free(gbnf);
    return result;
}

/*
 * What a token's text is made of, for closing a constrained generation's JSON before its token limit: it ends the
 * generation, it opens with a quote, it is made only of quotes and closing brackets, only of commas, only of
 * whitespace.
 */
enum { TOKEN_END = 1, TOKEN_QUOTE_FIRST = 2, TOKEN_CLOSERS = 4, TOKEN_COMMAS = 8, TOKEN_SPACE = 16 };

/*
 * How a token ranks when closing (lower is preferred), given whether the JSON so far ends inside a string: inside,
 * a token that ends the string (and maybe what holds it), then anything but whitespace; outside, the end of
 * generation, closing brackets, a quote (the key or string value the grammar requires next, closed at once), a
 * comma (the next item or property it requires), then anything else the grammar allows, and whitespace last.
 */
enum { RANK_FIRST, RANK_SECOND, RANK_THIRD, RANK_FOURTH, RANK_OTHER, RANK_SPACE, RANK_NONE };

static int rank_of(unsigned char kind, bool in_string) {
    if (in_string) {
        return (kind & TOKEN_QUOTE_FIRST) && (kind & TOKEN_CLOSERS) ? RANK_FIRST
             : kind & TOKEN_QUOTE_FIRST ? RANK_SECOND
             : kind & TOKEN_SPACE ? RANK_SPACE : RANK_OTHER;
    }
    return kind & TOKEN_END ? RANK_FIRST
         : (kind & TOKEN_CLOSERS) && !(kind & TOKEN_QUOTE_FIRST) ? RANK_SECOND
         : kind & TOKEN_CLOSERS ? RANK_THIRD
         : kind & TOKEN_COMMAS ? RANK_FOURTH
         : kind & TOKEN_SPACE ? RANK_SPACE : RANK_OTHER;
}

/*
 * A sampler: the grammar (NULL when unconstrained) applied before the chain that picks, what each token is made of,
 * and where the JSON written so far stands (inside a string, after a backslash in it).
 */
struct lore_sampler {
    struct llama_sampler *grammar;
    struct llama_sampler *chain;
    const struct llama_vocab *vocab;
    int32_t n_vocab;
    unsigned char *kind;
    llama_token_data *candidates;
    bool in_string;
    bool escaped;
};

static void free_sampler(struct lore_sampler *sampler) {
    if (sampler->grammar != NULL) {
        p_llama_sampler_free(sampler->grammar);
    }
    if (sampler->chain != NULL) {
        p_llama_sampler_free(sampler->chain);
    }
    free(sampler->kind);
    free(sampler->candidates);
    free(sampler);
}

static unsigned char kind_of(const struct llama_vocab *vocab, llama_token token) {
    if (p_llama_vocab_is_eog(vocab, token)) {
        return TOKEN_END;
    }
    char piece[256];
    int32_t n = p_llama_token_to_piece(vocab, token, piece, sizeof piece, 0, false);
    if (n <= 0) {
        return 0;
    }
    bool closers = true, commas = true, space = true;
    for (int32_t i = 0; i < n; i++) {
        char c = piece[i];
        closers = closers && (c == '"' || c == ']' || c == '}');
        commas = commas && c == ',';
        space = space && (c == ' ' || c == '\n' || c == '\t' || c == '\r');
    }
    return (unsigned char) ((piece[0] == '"' ? TOKEN_QUOTE_FIRST : 0) | (closers ? TOKEN_CLOSERS : 0)
                            | (commas ? TOKEN_COMMAS : 0) | (space ? TOKEN_SPACE : 0));
}

/* Follows the JSON's strings through an accepted token's text (the grammar guarantees the text is JSON so far). */
static void follow(struct lore_sampler *sampler, llama_token token) {
    char piece[256];
    int32_t n = p_llama_token_to_piece(sampler->vocab, token, piece, sizeof piece, 0, false);
    for (int32_t i = 0; i < n; i++) {
        if (sampler->escaped) {
            sampler->escaped = false;
        } else if (sampler->in_string && piece[i] == '\\') {
            sampler->escaped = true;
        } else if (piece[i] == '"') {
            sampler->in_string = !sampler->in_string;
        }
    }
}

/*
 * A sampler for the model: greedy at temperature 0, otherwise top-p, temperature and a seeded draw; with a GBNF
 * grammar (non-null) every token is first held to it, so the text is always a prefix of the grammar's language.
 */
JNIEXPORT jlong JNICALL Java_dev_lore_models_local_LlamaNative_newSampler(JNIEnv *env, jclass type, jlong handle,
                                                                           jfloat temperature, jfloat top_p,
                                                                           jint seed, jbyteArray grammar) {
    (void) type;
    struct llama_model *model = model_of(env, handle);
    if (model == NULL) {
        return 0;
    }
    const struct llama_vocab *vocab = p_llama_model_get_vocab(model);
    struct lore_sampler *sampler = calloc(1, sizeof *sampler);
    if (sampler == NULL) {
        throw_java(env, "java/lang/OutOfMemoryError", "sampler");
        return 0;
    }
    sampler->vocab = vocab;
    sampler->n_vocab = p_llama_vocab_n_tokens(vocab);
    sampler->candidates = malloc(sizeof(llama_token_data) * (size_t) sampler->n_vocab);
    if (sampler->candidates == NULL) {
        free_sampler(sampler);
        throw_java(env, "java/lang/OutOfMemoryError", "sampler candidates");
        return 0;
    }
    if (grammar != NULL) {
        char *gbnf = copy_bytes(env, grammar, NULL);
        if (gbnf == NULL) {
            free_sampler(sampler);
            return 0;
        }
        last_error[0] = '\0';
        sampler->grammar = p_llama_sampler_init_grammar(vocab, gbnf, "root");
        free(gbnf);
        if (sampler->grammar == NULL) {
            free_sampler(sampler);
            fail(env, "llama.cpp refused the grammar");
            return 0;
        }
    }
    struct llama_sampler_chain_params params = p_llama_sampler_chain_default_params();
    sampler->chain = p_llama_sampler_chain_init(params);
    if (sampler->chain == NULL) {
        free_sampler(sampler);
        fail(env, "llama.cpp could not create a sampler");
        return 0;
    }
    if (temperature <= 0) {
        p_llama_sampler_chain_add(sampler->chain, p_llama_sampler_init_greedy());
    } else {
        if (top_p < 1) {
            p_llama_sampler_chain_add(sampler->chain, p_llama_sampler_init_top_p(top_p, 1));
        }
        p_llama_sampler_chain_add(sampler->chain, p_llama_sampler_init_temp(temperature));
        p_llama_sampler_chain_add(sampler->chain, p_llama_sampler_init_dist((uint32_t) seed));
    }
    return (jlong) (intptr_t) sampler;
}

/*
 * Keeps, of the tokens the grammar allows, only the best-ranked (see rank_of), or all but whitespace when the best
 * is an ordinary token. What each token is made of is read from the vocabulary the first time a generation closes,
 * so generations that end well within their limit never pay for it. False (with an exception) when out of memory.
 */
static bool close_soon(JNIEnv *env, struct lore_sampler *sampler, llama_token_data_array *array) {
    if (sampler->kind == NULL) {
        sampler->kind = malloc((size_t) sampler->n_vocab);
        if (sampler->kind == NULL) {
            throw_java(env, "java/lang/OutOfMemoryError", "sampler token kinds");
            return false;
        }
        for (int32_t v = 0; v < sampler->n_vocab; v++) {
            sampler->kind[v] = kind_of(sampler->vocab, v);
        }
    }
    int best = RANK_NONE;
    bool other = false;
    for (size_t v = 0; v < array->size; v++) {
        if (isfinite(array->data[v].logit)) {
            int rank = rank_of(sampler->kind[array->data[v].id], sampler->in_string);
            best = rank < best ? rank : best;
            other = other || rank == RANK_OTHER;
        }
    }
    for (size_t v = 0; v < array->size; v++) {
        int rank = rank_of(sampler->kind[array->data[v].id], sampler->in_string);
        if (best < RANK_OTHER ? rank != best : (other && rank == RANK_SPACE)) {
            array->data[v].logit = -INFINITY;
        }
    }
    return true;
}

/*
 * Samples the next token from the logits at batch index i. With a grammar, the tokens it rejects are masked first;
 * when closing, only the best-ranked allowed tokens stay (see RANK_END...), so a JSON value closes in few tokens.
 * The logits themselves are left as the model produced them: logprobs() still reads the model's own distribution.
 */
JNIEXPORT jint JNICALL Java_dev_lore_models_local_LlamaNative_sample(JNIEnv *env, jclass type, jlong handle_sampler,
                                                                      jlong handle, jint i, jboolean closing) {
    (void) type;
    struct lore_context *wrapper = context_of(env, handle);
    struct lore_sampler *sampler = (struct lore_sampler *) (intptr_t) handle_sampler;
    if (wrapper == NULL || sampler == NULL) {
        return -1;
    }
    const float *logits = i < 0 || (uint32_t) i >= wrapper->n_batch ? NULL : p_llama_get_logits_ith(wrapper->ctx, i);
    if (logits == NULL) {
        fail(env, "no logits to sample from");
        return -1;
    }
    int32_t n = sampler->n_vocab < wrapper->n_vocab ? sampler->n_vocab : wrapper->n_vocab;
    llama_token_data *candidates = sampler->candidates;
    for (int32_t v = 0; v < n; v++) {
        candidates[v].id = v;
        candidates[v].logit = logits[v];
        candidates[v].p = 0;
    }
    llama_token_data_array array = {candidates, (size_t) n, -1, false};
    if (sampler->grammar != NULL) {
        p_llama_sampler_apply(sampler->grammar, &array);
        bool allowed = false;
        for (size_t v = 0; v < array.size && !allowed; v++) {
            allowed = isfinite(array.data[v].logit);
        }
        if (!allowed) {
            throw_java(env, "dev/lore/models/local/LlamaException", "the grammar allows no token here");
            return -1;
        }
        if (closing && !close_soon(env, sampler, &array)) {
            return -1;
        }
    }
    p_llama_sampler_apply(sampler->chain, &array);
    if (array.selected < 0 || (size_t) array.selected >= array.size) {
        fail(env, "the sampler selected no token");
        return -1;
    }
    llama_token token = array.data[array.selected].id;
    if (sampler->grammar != NULL) {
        p_llama_sampler_accept(sampler->grammar, token);
        follow(sampler, token);
    }
    p_llama_sampler_accept(sampler->chain, token);
    return token;
}

JNIEXPORT void JNICALL Java_dev_lore_models_local_LlamaNative_freeSampler(JNIEnv *env, jclass type,
                                                                           jlong sampler) {
    (void) env;
    (void) type;
    if (sampler != 0 && library != NULL) {
        free_sampler((struct lore_sampler *) (intptr_t) sampler);
    }
}

/* llama.cpp's own timings: {prompt eval ms, eval ms, prompt tokens, eval calls}. */
JNIEXPORT jdoubleArray JNICALL Java_dev_lore_models_local_LlamaNative_perf(JNIEnv *env, jclass type, jlong handle) {
    (void) type;
    struct lore_context *wrapper = context_of(env, handle);
    if (wrapper == NULL) {
        return NULL;
    }
    struct llama_perf_context_data data = p_llama_perf_context(wrapper->ctx);
    jdouble values[4] = {data.t_p_eval_ms, data.t_eval_ms, data.n_p_eval, data.n_eval};
    jdoubleArray result = (*env)->NewDoubleArray(env, 4);
    if (result != NULL) {
        (*env)->SetDoubleArrayRegion(env, result, 0, 4, values);
    }
    return result;
}

JNIEXPORT void JNICALL Java_dev_lore_models_local_LlamaNative_perfReset(JNIEnv *env, jclass type, jlong handle) {
    (void) type;
    struct lore_context *wrapper = context_of(env, handle);
    if (wrapper != NULL) {
        p_llama_perf_context_reset(wrapper->ctx);
    }
}
