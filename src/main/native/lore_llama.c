/*
 * Lore's JNI shim over the llama.cpp C API of build b4916 (commit c6af2161b200284d55633cf184a07406ca89908e),
 * the build bundled as libjllama.so in de.kherud:llama:4.2.0.
 *
 * The library is opened with dlopen(RTLD_LOCAL) rather than linked: a user-supplied GPU build can then replace
 * the bundled one without both landing in the global symbol namespace, where the second library's internal
 * ggml calls could bind to the first library's functions.
 *
 * Every declaration below is written from that build's include/llama.h, for only what the shim uses; the layout
 * is checked at bind time (defaults of both parameter structs) and by LlamaLayoutTests.
 */
#include <jni.h>
#include <dlfcn.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int32_t llama_token;
typedef int32_t llama_pos;
typedef int32_t llama_seq_id;

struct llama_model;
struct llama_context;
struct llama_vocab;
struct llama_sampler;

struct llama_model_params {
    void *devices;
    int32_t n_gpu_layers;
    int32_t split_mode;
    int32_t main_gpu;
    const float *tensor_split;
    void *progress_callback;
    void *progress_callback_user_data;
    const void *kv_overrides;
    bool vocab_only;
    bool use_mmap;
    bool use_mlock;
    bool check_tensors;
};

struct llama_context_params {
    uint32_t n_ctx;
    uint32_t n_batch;
    uint32_t n_ubatch;
    uint32_t n_seq_max;
    int32_t n_threads;
    int32_t n_threads_batch;
    int32_t rope_scaling_type;
    int32_t pooling_type;
    int32_t attention_type;
    float rope_freq_base;
    float rope_freq_scale;
    float yarn_ext_factor;
    float yarn_attn_factor;
    float yarn_beta_fast;
    float yarn_beta_slow;
    uint32_t yarn_orig_ctx;
    float defrag_thold;
    void *cb_eval;
    void *cb_eval_user_data;
    int32_t type_k;
    int32_t type_v;
    bool logits_all;
    bool embeddings;
    bool offload_kqv;
    bool flash_attn;
    bool no_perf;
    void *abort_callback;
    void *abort_callback_data;
};

struct llama_batch {
    int32_t n_tokens;
    llama_token *token;
    float *embd;
    llama_pos *pos;
    int32_t *n_seq_id;
    llama_seq_id **seq_id;
    int8_t *logits;
};

struct llama_sampler_chain_params {
    bool no_perf;
};

struct llama_chat_message {
    const char *role;
    const char *content;
};

struct llama_perf_context_data {
    double t_start_ms;
    double t_load_ms;
    double t_p_eval_ms;
    double t_eval_ms;
    int32_t n_p_eval;
    int32_t n_eval;
};

_Static_assert(sizeof(struct llama_model_params) == 64, "llama_model_params of b4916 is 64 bytes");
_Static_assert(offsetof(struct llama_model_params, vocab_only) == 56, "llama_model_params booleans at 56");
_Static_assert(sizeof(struct llama_context_params) == 120, "llama_context_params of b4916 is 120 bytes");
_Static_assert(offsetof(struct llama_context_params, logits_all) == 96, "llama_context_params booleans at 96");
_Static_assert(sizeof(struct llama_batch) == 56, "llama_batch is 56 bytes");

typedef void (*log_callback)(int level, const char *text, void *user_data);

#define LLAMA_FUNCTIONS(X)                                                                                         \
    X(void, llama_backend_init, (void))                                                                            \
    X(void, llama_log_set, (log_callback callback, void *user_data))                                               \
    X(bool, llama_supports_gpu_offload, (void))                                                                    \
    X(struct llama_model_params, llama_model_default_params, (void))                                               \
    X(struct llama_context_params, llama_context_default_params, (void))                                           \
    X(struct llama_sampler_chain_params, llama_sampler_chain_default_params, (void))                               \
    X(struct llama_model *, llama_model_load_from_file, (const char *path, struct llama_model_params params))      \
    X(void, llama_model_free, (struct llama_model * model))                                                        \
    X(struct llama_context *, llama_init_from_model,                                                               \
      (struct llama_model * model, struct llama_context_params params))                                            \
    X(void, llama_free, (struct llama_context * ctx))                                                              \
    X(const struct llama_vocab *, llama_model_get_vocab, (const struct llama_model *model))                        \
    X(int32_t, llama_vocab_n_tokens, (const struct llama_vocab *vocab))                                            \
    X(bool, llama_vocab_is_eog, (const struct llama_vocab *vocab, llama_token token))                              \
    X(int32_t, llama_model_n_ctx_train, (const struct llama_model *model))                                         \
    X(int32_t, llama_model_n_embd, (const struct llama_model *model))                                              \
    X(int32_t, llama_model_desc, (const struct llama_model *model, char *buf, size_t buf_size))                    \
    X(const char *, llama_model_chat_template, (const struct llama_model *model, const char *name))                \
    X(uint32_t, llama_n_ctx, (const struct llama_context *ctx))                                                    \
    X(uint32_t, llama_n_batch, (const struct llama_context *ctx))                                                  \
    X(int32_t, llama_tokenize,                                                                                     \
      (const struct llama_vocab *vocab, const char *text, int32_t text_len, llama_token *tokens,                   \
       int32_t n_tokens_max, bool add_special, bool parse_special))                                                \
    X(int32_t, llama_token_to_piece,                                                                               \
      (const struct llama_vocab *vocab, llama_token token, char *buf, int32_t length, int32_t lstrip,              \
       bool special))                                                                                              \
    X(int32_t, llama_chat_apply_template,                                                                          \
      (const char *tmpl, const struct llama_chat_message *chat, size_t n_msg, bool add_ass, char *buf,             \
       int32_t length))                                                                                            \
    X(struct llama_batch, llama_batch_init, (int32_t n_tokens, int32_t embd, int32_t n_seq_max))                   \
    X(void, llama_batch_free, (struct llama_batch batch))                                                          \
    X(int32_t, llama_decode, (struct llama_context * ctx, struct llama_batch batch))                               \
    X(float *, llama_get_logits_ith, (struct llama_context * ctx, int32_t i))                                      \
    X(float *, llama_get_embeddings_ith, (struct llama_context * ctx, int32_t i))                                  \
    X(void, llama_set_embeddings, (struct llama_context * ctx, bool embeddings))                                   \
    X(bool, llama_kv_self_seq_rm, (struct llama_context * ctx, llama_seq_id seq_id, llama_pos p0, llama_pos p1))   \
    X(void, llama_kv_self_clear, (struct llama_context * ctx))                                                     \
    X(struct llama_sampler *, llama_sampler_chain_init, (struct llama_sampler_chain_params params))                \
    X(void, llama_sampler_chain_add, (struct llama_sampler * chain, struct llama_sampler *smpl))                   \
    X(struct llama_sampler *, llama_sampler_init_greedy, (void))                                                   \
    X(struct llama_sampler *, llama_sampler_init_dist, (uint32_t seed))                                            \
    X(struct llama_sampler *, llama_sampler_init_temp, (float t))                                                  \
    X(struct llama_sampler *, llama_sampler_init_top_p, (float p, size_t min_keep))                                \
    X(llama_token, llama_sampler_sample, (struct llama_sampler * smpl, struct llama_context * ctx, int32_t idx))   \
    X(void, llama_sampler_free, (struct llama_sampler * smpl))                                                     \
    X(struct llama_perf_context_data, llama_perf_context, (const struct llama_context *ctx))                       \
    X(void, llama_perf_context_reset, (struct llama_context * ctx))

#define DECLARE(ret, name, args) static ret(*p_##name) args;
LLAMA_FUNCTIONS(DECLARE)

/* The llama_* functions b4916 exports: a library whose set differs is another API version. */
static const char *const EXPORTED[] = {
    "llama_adapter_lora_free", "llama_adapter_lora_init", "llama_add_bos_token", "llama_add_eos_token",
    "llama_apply_adapter_cvec", "llama_attach_threadpool", "llama_backend_free", "llama_backend_init",
    "llama_batch_free", "llama_batch_get_one", "llama_batch_init", "llama_chat_apply_template",
    "llama_chat_builtin_templates", "llama_clear_adapter_lora", "llama_context_default_params",
    "llama_copy_state_data", "llama_decode", "llama_detach_threadpool", "llama_detokenize", "llama_encode",
    "llama_free", "llama_free_model", "llama_get_embeddings", "llama_get_embeddings_ith",
    "llama_get_embeddings_seq", "llama_get_kv_cache_token_count", "llama_get_kv_cache_used_cells",
    "llama_get_kv_self", "llama_get_logits", "llama_get_logits_ith", "llama_get_model", "llama_get_state_size",
    "llama_init_from_model", "llama_kv_cache_can_shift", "llama_kv_cache_clear", "llama_kv_cache_defrag",
    "llama_kv_cache_seq_add", "llama_kv_cache_seq_cp", "llama_kv_cache_seq_div", "llama_kv_cache_seq_keep",
    "llama_kv_cache_seq_pos_max", "llama_kv_cache_seq_rm", "llama_kv_cache_update", "llama_kv_cache_view_free",
    "llama_kv_cache_view_init", "llama_kv_cache_view_update", "llama_kv_self_can_shift", "llama_kv_self_clear",
    "llama_kv_self_defrag", "llama_kv_self_n_tokens", "llama_kv_self_seq_add", "llama_kv_self_seq_cp",
    "llama_kv_self_seq_div", "llama_kv_self_seq_keep", "llama_kv_self_seq_pos_max", "llama_kv_self_seq_rm",
    "llama_kv_self_update", "llama_kv_self_used_cells", "llama_load_model_from_file", "llama_load_session_file",
    "llama_log_set", "llama_max_devices", "llama_model_chat_template", "llama_model_decoder_start_token",
    "llama_model_default_params", "llama_model_desc", "llama_model_free", "llama_model_get_vocab",
    "llama_model_has_decoder", "llama_model_has_encoder", "llama_model_is_recurrent",
    "llama_model_load_from_file", "llama_model_load_from_splits", "llama_model_meta_count",
    "llama_model_meta_key_by_index", "llama_model_meta_val_str", "llama_model_meta_val_str_by_index",
    "llama_model_n_ctx_train", "llama_model_n_embd", "llama_model_n_head", "llama_model_n_head_kv",
    "llama_model_n_layer", "llama_model_n_params", "llama_model_rope_freq_scale_train", "llama_model_rope_type",
    "llama_model_size", "llama_n_batch", "llama_n_ctx", "llama_n_ctx_train", "llama_n_embd", "llama_n_head",
    "llama_n_layer", "llama_n_seq_max", "llama_n_threads", "llama_n_threads_batch", "llama_n_ubatch",
    "llama_n_vocab", "llama_new_context_with_model", "llama_numa_init", "llama_perf_context",
    "llama_perf_context_print", "llama_perf_context_reset", "llama_perf_sampler", "llama_perf_sampler_print",
    "llama_perf_sampler_reset", "llama_pooling_type", "llama_print_system_info", "llama_rm_adapter_lora",
    "llama_sampler_accept", "llama_sampler_apply", "llama_sampler_chain_add", "llama_sampler_chain_default_params",
    "llama_sampler_chain_get", "llama_sampler_chain_init", "llama_sampler_chain_n", "llama_sampler_chain_remove",
    "llama_sampler_clone", "llama_sampler_free", "llama_sampler_get_seed", "llama_sampler_init",
    "llama_sampler_init_dist", "llama_sampler_init_dry", "llama_sampler_init_grammar",
    "llama_sampler_init_grammar_lazy", "llama_sampler_init_grammar_lazy_patterns", "llama_sampler_init_greedy",
    "llama_sampler_init_infill", "llama_sampler_init_logit_bias", "llama_sampler_init_min_p",
    "llama_sampler_init_mirostat", "llama_sampler_init_mirostat_v2", "llama_sampler_init_penalties",
    "llama_sampler_init_softmax", "llama_sampler_init_temp", "llama_sampler_init_temp_ext",
    "llama_sampler_init_top_k", "llama_sampler_init_top_n_sigma", "llama_sampler_init_top_p",
    "llama_sampler_init_typical", "llama_sampler_init_xtc", "llama_sampler_name", "llama_sampler_reset",
    "llama_sampler_sample", "llama_save_session_file", "llama_set_abort_callback", "llama_set_adapter_lora",
    "llama_set_causal_attn", "llama_set_embeddings", "llama_set_n_threads", "llama_set_state_data",
    "llama_set_warmup", "llama_split_path", "llama_split_prefix", "llama_state_get_data", "llama_state_get_size",
    "llama_state_load_file", "llama_state_save_file", "llama_state_seq_get_data", "llama_state_seq_get_size",
    "llama_state_seq_load_file", "llama_state_seq_save_file", "llama_state_seq_set_data", "llama_state_set_data",
    "llama_supports_gpu_offload", "llama_supports_mlock", "llama_supports_mmap", "llama_supports_rpc",
    "llama_synchronize", "llama_time_us", "llama_token_bos", "llama_token_cls", "llama_token_eos",
    "llama_token_eot", "llama_token_fim_mid", "llama_token_fim_pad", "llama_token_fim_pre", "llama_token_fim_rep",
    "llama_token_fim_sep", "llama_token_fim_suf", "llama_token_get_attr", "llama_token_get_score",
    "llama_token_get_text", "llama_token_is_control", "llama_token_is_eog", "llama_token_nl", "llama_token_pad",
    "llama_token_sep", "llama_token_to_piece", "llama_tokenize", "llama_vocab_bos", "llama_vocab_cls",
    "llama_vocab_eos", "llama_vocab_eot", "llama_vocab_fim_mid", "llama_vocab_fim_pad", "llama_vocab_fim_pre",
    "llama_vocab_fim_rep", "llama_vocab_fim_sep", "llama_vocab_fim_suf", "llama_vocab_get_add_bos",
    "llama_vocab_get_add_eos", "llama_vocab_get_attr", "llama_vocab_get_score", "llama_vocab_get_text",
    "llama_vocab_is_control", "llama_vocab_is_eog", "llama_vocab_n_tokens", "llama_vocab_nl", "llama_vocab_pad",
    "llama_vocab_sep", "llama_vocab_type",
};

/* Functions of the builds after b4916 (KV cache rework, memory API, SWA): present means a newer API. */
static const char *const NEWER[] = {
    "llama_kv_self_seq_pos_min", "llama_get_memory", "llama_memory_clear", "llama_memory_seq_rm",
    "llama_model_n_swa", "llama_model_is_diffusion", "llama_vocab_get_add_sep", "llama_model_n_cls_out",
};

static void *library;
static __thread char last_error[1024];
static volatile int verbose;

static void on_log(int level, const char *text, void *user_data) {
    (void) user_data;
    if (text == NULL) {
        return;
    }
    if (level == 4 /* GGML_LOG_LEVEL_ERROR */) {
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

static char *copy_string(JNIEnv *env, jstring value) {
    const char *chars = (*env)->GetStringUTFChars(env, value, NULL);
    if (chars == NULL) {
        return NULL;
    }
    char *copy = strdup(chars);
    (*env)->ReleaseStringUTFChars(env, value, chars);
    return copy;
}

/* Java's modified UTF-8 differs from UTF-8 for NUL and supplementary characters, so text crosses as bytes. */
static jstring utf8_string(JNIEnv *env, const char *bytes, size_t length) {
    jbyteArray array = (*env)->NewByteArray(env, (jsize) length);
    if (array == NULL) {
        return NULL;
    }
    (*env)->SetByteArrayRegion(env, array, 0, (jsize) length, (const jbyte *) bytes);
    jclass string_class = (*env)->FindClass(env, "java/lang/String");
    jmethodID constructor = (*env)->GetMethodID(env, string_class, "<init>", "([BLjava/lang/String;)V");
    jstring charset = (*env)->NewStringUTF(env, "UTF-8");
    return (jstring) (*env)->NewObject(env, string_class, constructor, array, charset);
}

/* Opens file and checks it is the b4916 API; returns the handle, or NULL with the reason in problem. */
static void *open_checked(const char *file, char *problem, size_t size) {
    void *handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        snprintf(problem, size, "cannot load %s: %s", file, dlerror());
        return NULL;
    }
    char differences[3072];
    size_t used = 0;
    differences[0] = '\0';
    for (size_t i = 0; i < sizeof EXPORTED / sizeof EXPORTED[0]; i++) {
        if (dlsym(handle, EXPORTED[i]) == NULL && used + 64 < sizeof differences) {
            used += (size_t) snprintf(differences + used, sizeof differences - used, "%s%s",
                                      used ? ", " : "missing: ", EXPORTED[i]);
        }
    }
    for (size_t i = 0; i < sizeof NEWER / sizeof NEWER[0]; i++) {
        if (dlsym(handle, NEWER[i]) != NULL && used + 64 < sizeof differences) {
            used += (size_t) snprintf(differences + used, sizeof differences - used, "%sunexpected (newer API): %s",
                                      used ? "; " : "", NEWER[i]);
        }
    }
    if (used > 0) {
        snprintf(problem, size,
                 "%s is not llama.cpp build b4916, the API Lore's shim was written for: its llama_* symbols differ "
                 "(%s)",
                 file, differences);
        dlclose(handle);
        return NULL;
    }
    struct llama_model_params (*model_defaults)(void) =
        (struct llama_model_params(*)(void)) dlsym(handle, "llama_model_default_params");
    struct llama_context_params (*context_defaults)(void) =
        (struct llama_context_params(*)(void)) dlsym(handle, "llama_context_default_params");
    struct llama_model_params model = model_defaults();
    struct llama_context_params context = context_defaults();
    if (model.split_mode != 1 || !model.use_mmap || model.use_mlock || model.vocab_only || context.n_ctx != 512 ||
        context.n_batch != 2048 || context.n_ubatch != 512 || context.n_seq_max != 1 ||
        context.yarn_beta_fast != 32.0f || context.type_k != 1 || context.type_v != 1 || !context.offload_kqv ||
        !context.no_perf || context.abort_callback != NULL) {
        snprintf(problem, size,
                 "%s exports the b4916 symbols but its default parameters do not match the b4916 struct layouts",
                 file);
        dlclose(handle);
        return NULL;
    }
    return handle;
}

/* Checks a library without binding to it: null when it is the b4916 API, otherwise why not. */
JNIEXPORT jstring JNICALL Java_dev_lore_models_local_LlamaNative_verify(JNIEnv *env, jclass type, jstring path) {
    (void) type;
    char problem[4096];
    char *file = copy_string(env, path);
    if (file == NULL) {
        return (*env)->NewStringUTF(env, "no library path");
    }
    void *handle = open_checked(file, problem, sizeof problem);
    free(file);
    if (handle == NULL) {
        return (*env)->NewStringUTF(env, problem);
    }
    dlclose(handle);
    return NULL;
}

JNIEXPORT jstring JNICALL Java_dev_lore_models_local_LlamaNative_bind(JNIEnv *env, jclass type, jstring path,
                                                                       jboolean log_to_stderr) {
    (void) type;
    char problem[4096];
    if (library != NULL) {
        return NULL;
    }
    char *file = copy_string(env, path);
    if (file == NULL) {
        return (*env)->NewStringUTF(env, "no library path");
    }
    void *handle = open_checked(file, problem, sizeof problem);
    free(file);
    if (handle == NULL) {
        return (*env)->NewStringUTF(env, problem);
    }
#define RESOLVE(ret, name, args) p_##name = (ret(*) args) dlsym(handle, #name);
    LLAMA_FUNCTIONS(RESOLVE)
    verbose = log_to_stderr;
    p_llama_log_set(on_log, NULL);
    p_llama_backend_init();
    library = handle;
    return NULL;
}

JNIEXPORT jstring JNICALL Java_dev_lore_models_local_LlamaNative_modelDefaults(JNIEnv *env, jclass type) {
    (void) type;
    if (!bound(env)) {
        return NULL;
    }
    struct llama_model_params p = p_llama_model_default_params();
    char text[1024];
    snprintf(text, sizeof text,
             "devices=%p,n_gpu_layers=%d,split_mode=%d,main_gpu=%d,tensor_split=%p,progress_callback=%p,"
             "progress_callback_user_data=%p,kv_overrides=%p,vocab_only=%d,use_mmap=%d,use_mlock=%d,check_tensors=%d",
             p.devices, p.n_gpu_layers, p.split_mode, p.main_gpu, (const void *) p.tensor_split, p.progress_callback,
             p.progress_callback_user_data, p.kv_overrides, p.vocab_only, p.use_mmap, p.use_mlock, p.check_tensors);
    return (*env)->NewStringUTF(env, text);
}

JNIEXPORT jstring JNICALL Java_dev_lore_models_local_LlamaNative_contextDefaults(JNIEnv *env, jclass type) {
    (void) type;
    if (!bound(env)) {
        return NULL;
    }
    struct llama_context_params p = p_llama_context_default_params();
    char text[2048];
    snprintf(text, sizeof text,
             "n_ctx=%u,n_batch=%u,n_ubatch=%u,n_seq_max=%u,n_threads=%d,n_threads_batch=%d,rope_scaling_type=%d,"
             "pooling_type=%d,attention_type=%d,rope_freq_base=%g,rope_freq_scale=%g,yarn_ext_factor=%g,"
             "yarn_attn_factor=%g,yarn_beta_fast=%g,yarn_beta_slow=%g,yarn_orig_ctx=%u,defrag_thold=%g,cb_eval=%p,"
             "cb_eval_user_data=%p,type_k=%d,type_v=%d,logits_all=%d,embeddings=%d,offload_kqv=%d,flash_attn=%d,"
             "no_perf=%d,abort_callback=%p,abort_callback_data=%p,sampler_chain_no_perf=%d",
             p.n_ctx, p.n_batch, p.n_ubatch, p.n_seq_max, p.n_threads, p.n_threads_batch, p.rope_scaling_type,
             p.pooling_type, p.attention_type, p.rope_freq_base, p.rope_freq_scale, p.yarn_ext_factor,
             p.yarn_attn_factor, p.yarn_beta_fast, p.yarn_beta_slow, p.yarn_orig_ctx, p.defrag_thold, p.cb_eval,
             p.cb_eval_user_data, p.type_k, p.type_v, p.logits_all, p.embeddings, p.offload_kqv, p.flash_attn,
             p.no_perf, p.abort_callback, p.abort_callback_data, p_llama_sampler_chain_default_params().no_perf);
    return (*env)->NewStringUTF(env, text);
}

JNIEXPORT jboolean JNICALL Java_dev_lore_models_local_LlamaNative_supportsGpuOffload(JNIEnv *env, jclass type) {
    (void) type;
    return bound(env) && p_llama_supports_gpu_offload();
}

JNIEXPORT jlong JNICALL Java_dev_lore_models_local_LlamaNative_loadModel(JNIEnv *env, jclass type, jstring path,
                                                                          jint gpu_layers) {
    (void) type;
    if (!bound(env)) {
        return 0;
    }
    char *file = copy_string(env, path);
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
    if (p_llama_model_get_vocab(model) == NULL || p_llama_vocab_n_tokens(p_llama_model_get_vocab(model)) <= 0) {
        p_llama_model_free(model);
        fail(env, "the model has no vocabulary");
        return 0;
    }
    return (jlong) (intptr_t) model;
}

JNIEXPORT void JNICALL Java_dev_lore_models_local_LlamaNative_freeModel(JNIEnv *env, jclass type, jlong model) {
    (void) env;
    (void) type;
    if (model != 0) {
        p_llama_model_free((struct llama_model *) (intptr_t) model);
    }
}

static struct llama_model *model_of(JNIEnv *env, jlong handle) {
    if (handle == 0) {
        throw_java(env, "java/lang/IllegalStateException", "the model is closed");
    }
    return (struct llama_model *) (intptr_t) handle;
}

static struct llama_context *context_of(JNIEnv *env, jlong handle) {
    if (handle == 0) {
        throw_java(env, "java/lang/IllegalStateException", "the context is closed");
    }
    return (struct llama_context *) (intptr_t) handle;
}

JNIEXPORT jintArray JNICALL Java_dev_lore_models_local_LlamaNative_modelShape(JNIEnv *env, jclass type,
                                                                               jlong handle) {
    (void) type;
    struct llama_model *model = model_of(env, handle);
    if (model == NULL) {
        return NULL;
    }
    jint shape[3] = {p_llama_vocab_n_tokens(p_llama_model_get_vocab(model)), p_llama_model_n_ctx_train(model),
                     p_llama_model_n_embd(model)};
    jintArray result = (*env)->NewIntArray(env, 3);
    if (result != NULL) {
        (*env)->SetIntArrayRegion(env, result, 0, 3, shape);
    }
    return result;
}

JNIEXPORT jstring JNICALL Java_dev_lore_models_local_LlamaNative_description(JNIEnv *env, jclass type,
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
    return utf8_string(env, text, strnlen(text, sizeof text));
}

JNIEXPORT jstring JNICALL Java_dev_lore_models_local_LlamaNative_chatTemplate(JNIEnv *env, jclass type,
                                                                               jlong handle) {
    (void) type;
    struct llama_model *model = model_of(env, handle);
    if (model == NULL) {
        return NULL;
    }
    const char *tmpl = p_llama_model_chat_template(model, NULL);
    return tmpl == NULL ? NULL : utf8_string(env, tmpl, strlen(tmpl));
}

JNIEXPORT jlong JNICALL Java_dev_lore_models_local_LlamaNative_newContext(JNIEnv *env, jclass type, jlong handle,
                                                                           jint n_ctx, jint n_batch, jint threads,
                                                                           jboolean embeddings) {
    (void) type;
    struct llama_model *model = model_of(env, handle);
    if (model == NULL) {
        return 0;
    }
    if (n_ctx <= 0 || n_batch <= 0 || threads <= 0) {
        throw_java(env, "java/lang/IllegalArgumentException", "context size, batch and threads must be positive");
        return 0;
    }
    struct llama_context_params params = p_llama_context_default_params();
    params.n_ctx = (uint32_t) n_ctx;
    params.n_batch = (uint32_t) n_batch;
    params.n_ubatch = (uint32_t) n_batch;
    params.n_threads = threads;
    params.n_threads_batch = threads;
    params.embeddings = embeddings;
    params.no_perf = false;
    last_error[0] = '\0';
    struct llama_context *ctx = p_llama_init_from_model(model, params);
    if (ctx == NULL) {
        fail(env, "llama.cpp could not create a context");
        return 0;
    }
    return (jlong) (intptr_t) ctx;
}

JNIEXPORT void JNICALL Java_dev_lore_models_local_LlamaNative_freeContext(JNIEnv *env, jclass type, jlong ctx) {
    (void) env;
    (void) type;
    if (ctx != 0) {
        p_llama_free((struct llama_context *) (intptr_t) ctx);
    }
}

JNIEXPORT jintArray JNICALL Java_dev_lore_models_local_LlamaNative_contextShape(JNIEnv *env, jclass type,
                                                                                 jlong handle) {
    (void) type;
    struct llama_context *ctx = context_of(env, handle);
    if (ctx == NULL) {
        return NULL;
    }
    jint shape[2] = {(jint) p_llama_n_ctx(ctx), (jint) p_llama_n_batch(ctx)};
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
    jsize length = (*env)->GetArrayLength(env, utf8);
    char *text = malloc((size_t) length + 1);
    if (text == NULL) {
        throw_java(env, "java/lang/OutOfMemoryError", "tokenize");
        return NULL;
    }
    (*env)->GetByteArrayRegion(env, utf8, 0, length, (jbyte *) text);
    text[length] = '\0';
    int32_t capacity = length + 8;
    llama_token *tokens = malloc(sizeof(llama_token) * (size_t) capacity);
    int32_t n = tokens == NULL ? 0 : p_llama_tokenize(vocab, text, length, tokens, capacity, add_special,
                                                      parse_special);
    if (n < 0) {
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
    jbyteArray result = n < 0 ? NULL : (*env)->NewByteArray(env, n);
    if (result != NULL) {
        (*env)->SetByteArrayRegion(env, result, 0, n, (const jbyte *) buf);
    }
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

/* Returns the formatted prompt, or null when llama.cpp does not recognise the template. */
JNIEXPORT jstring JNICALL Java_dev_lore_models_local_LlamaNative_applyTemplate(JNIEnv *env, jclass type,
                                                                                jstring template_text,
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
    char *tmpl = copy_string(env, template_text);
    struct llama_chat_message *chat = calloc((size_t) n + 1, sizeof *chat);
    size_t total = 0;
    bool ok = tmpl != NULL && chat != NULL;
    for (jsize i = 0; ok && i < n; i++) {
        jstring role = (jstring) (*env)->GetObjectArrayElement(env, roles, i);
        jstring content = (jstring) (*env)->GetObjectArrayElement(env, contents, i);
        chat[i].role = role == NULL ? NULL : copy_string(env, role);
        chat[i].content = content == NULL ? NULL : copy_string(env, content);
        ok = chat[i].role != NULL && chat[i].content != NULL;
        if (ok) {
            total += strlen(chat[i].role) + strlen(chat[i].content);
        }
        (*env)->DeleteLocalRef(env, role);
        (*env)->DeleteLocalRef(env, content);
    }
    jstring result = NULL;
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
            result = utf8_string(env, buf, (size_t) length);
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
 */
JNIEXPORT void JNICALL Java_dev_lore_models_local_LlamaNative_decode(JNIEnv *env, jclass type, jlong handle,
                                                                      jlong model_handle, jintArray tokens,
                                                                      jint offset, jint length, jint start,
                                                                      jint logits_from) {
    (void) type;
    struct llama_context *ctx = context_of(env, handle);
    struct llama_model *model = model_of(env, model_handle);
    if (ctx == NULL || model == NULL || tokens == NULL) {
        return;
    }
    jsize available = (*env)->GetArrayLength(env, tokens);
    if (length <= 0 || offset < 0 || offset > available - length) {
        throw_java(env, "java/lang/IllegalArgumentException", "token slice outside the array");
        return;
    }
    if ((uint32_t) length > p_llama_n_batch(ctx)) {
        throw_java(env, "java/lang/IllegalArgumentException", "more tokens than the batch size");
        return;
    }
    if (start < 0 || (int64_t) start + length > (int64_t) p_llama_n_ctx(ctx)) {
        fail(env, "the tokens do not fit in the context window");
        return;
    }
    int32_t n_vocab = p_llama_vocab_n_tokens(p_llama_model_get_vocab(model));
    struct llama_batch batch = p_llama_batch_init(length, 0, 1);
    if (batch.token == NULL || batch.pos == NULL || batch.seq_id == NULL || batch.logits == NULL) {
        p_llama_batch_free(batch);
        throw_java(env, "java/lang/OutOfMemoryError", "llama_batch_init");
        return;
    }
    (*env)->GetIntArrayRegion(env, tokens, offset, length, batch.token);
    for (int32_t i = 0; i < length; i++) {
        if (batch.token[i] < 0 || batch.token[i] >= n_vocab) {
            p_llama_batch_free(batch);
            throw_java(env, "java/lang/IllegalArgumentException", "token id outside the vocabulary");
            return;
        }
        batch.pos[i] = start + i;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = i >= logits_from;
    }
    batch.n_tokens = length;
    last_error[0] = '\0';
    int32_t status = p_llama_decode(ctx, batch);
    p_llama_batch_free(batch);
    if (status == 1) {
        fail(env, "no room left in the KV cache");
    } else if (status != 0) {
        char what[64];
        snprintf(what, sizeof what, "llama_decode failed with status %d", status);
        fail(env, what);
    }
}

JNIEXPORT jboolean JNICALL Java_dev_lore_models_local_LlamaNative_truncate(JNIEnv *env, jclass type, jlong handle,
                                                                            jint from) {
    (void) type;
    struct llama_context *ctx = context_of(env, handle);
    if (ctx == NULL) {
        return JNI_FALSE;
    }
    if (from <= 0) {
        p_llama_kv_self_clear(ctx);
        return JNI_TRUE;
    }
    return p_llama_kv_self_seq_rm(ctx, 0, from, -1);
}

/*
 * Log-softmax of the raw logits at batch index i: returns log p(token) and fills the top alternatives, most
 * likely first. The distribution is the model's own, before temperature or top-p reshape it for sampling.
 */
JNIEXPORT jfloat JNICALL Java_dev_lore_models_local_LlamaNative_logprobs(JNIEnv *env, jclass type, jlong handle,
                                                                          jlong model_handle, jint i, jint token,
                                                                          jintArray top_ids, jfloatArray top_logprobs) {
    (void) type;
    struct llama_context *ctx = context_of(env, handle);
    struct llama_model *model = model_of(env, model_handle);
    if (ctx == NULL || model == NULL) {
        return NAN;
    }
    int32_t n_vocab = p_llama_vocab_n_tokens(p_llama_model_get_vocab(model));
    if (token < 0 || token >= n_vocab) {
        throw_java(env, "java/lang/IllegalArgumentException", "token id outside the vocabulary");
        return NAN;
    }
    const float *logits = p_llama_get_logits_ith(ctx, i);
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
    if (k > n_vocab) {
        k = n_vocab;
    }
    if (k > 0) {
        jint ids[64];
        jfloat values[64];
        if (k > 64) {
            k = 64;
        }
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

JNIEXPORT jlong JNICALL Java_dev_lore_models_local_LlamaNative_newSampler(JNIEnv *env, jclass type,
                                                                           jfloat temperature, jfloat top_p,
                                                                           jint seed) {
    (void) type;
    if (!bound(env)) {
        return 0;
    }
    struct llama_sampler_chain_params params = p_llama_sampler_chain_default_params();
    struct llama_sampler *chain = p_llama_sampler_chain_init(params);
    if (chain == NULL) {
        fail(env, "llama.cpp could not create a sampler");
        return 0;
    }
    if (temperature <= 0) {
        p_llama_sampler_chain_add(chain, p_llama_sampler_init_greedy());
    } else {
        if (top_p < 1) {
            p_llama_sampler_chain_add(chain, p_llama_sampler_init_top_p(top_p, 1));
        }
        p_llama_sampler_chain_add(chain, p_llama_sampler_init_temp(temperature));
        p_llama_sampler_chain_add(chain, p_llama_sampler_init_dist((uint32_t) seed));
    }
    return (jlong) (intptr_t) chain;
}

JNIEXPORT jint JNICALL Java_dev_lore_models_local_LlamaNative_sample(JNIEnv *env, jclass type, jlong sampler,
                                                                      jlong handle, jint i) {
    (void) type;
    struct llama_context *ctx = context_of(env, handle);
    if (ctx == NULL || sampler == 0) {
        return -1;
    }
    if (p_llama_get_logits_ith(ctx, i) == NULL) {
        fail(env, "no logits to sample from");
        return -1;
    }
    return p_llama_sampler_sample((struct llama_sampler *) (intptr_t) sampler, ctx, i);
}

JNIEXPORT void JNICALL Java_dev_lore_models_local_LlamaNative_freeSampler(JNIEnv *env, jclass type,
                                                                           jlong sampler) {
    (void) env;
    (void) type;
    if (sampler != 0) {
        p_llama_sampler_free((struct llama_sampler *) (intptr_t) sampler);
    }
}

/* Mean of the per-token embeddings of the last decoded batch (all its tokens must have had outputs). */
JNIEXPORT jfloatArray JNICALL Java_dev_lore_models_local_LlamaNative_meanEmbedding(JNIEnv *env, jclass type,
                                                                                    jlong handle,
                                                                                    jlong model_handle,
                                                                                    jint count) {
    (void) type;
    struct llama_context *ctx = context_of(env, handle);
    struct llama_model *model = model_of(env, model_handle);
    if (ctx == NULL || model == NULL || count <= 0) {
        return NULL;
    }
    int32_t n_embd = p_llama_model_n_embd(model);
    float *sum = calloc((size_t) n_embd, sizeof(float));
    if (sum == NULL) {
        throw_java(env, "java/lang/OutOfMemoryError", "embedding");
        return NULL;
    }
    for (jint t = 0; t < count; t++) {
        const float *row = p_llama_get_embeddings_ith(ctx, t);
        if (row == NULL) {
            free(sum);
            fail(env, "no embeddings for a token");
            return NULL;
        }
        for (int32_t d = 0; d < n_embd; d++) {
            sum[d] += row[d] / (float) count;
        }
    }
    jfloatArray result = (*env)->NewFloatArray(env, n_embd);
    if (result != NULL) {
        (*env)->SetFloatArrayRegion(env, result, 0, n_embd, sum);
    }
    free(sum);
    return result;
}

JNIEXPORT void JNICALL Java_dev_lore_models_local_LlamaNative_setEmbeddings(JNIEnv *env, jclass type, jlong handle,
                                                                             jboolean on) {
    (void) type;
    struct llama_context *ctx = context_of(env, handle);
    if (ctx != NULL) {
        p_llama_set_embeddings(ctx, on);
    }
}

/* llama.cpp's own timings: {prompt eval ms, eval ms, prompt tokens, eval calls}. */
JNIEXPORT jdoubleArray JNICALL Java_dev_lore_models_local_LlamaNative_perf(JNIEnv *env, jclass type, jlong handle) {
    (void) type;
    struct llama_context *ctx = context_of(env, handle);
    if (ctx == NULL) {
        return NULL;
    }
    struct llama_perf_context_data data = p_llama_perf_context(ctx);
    jdouble values[4] = {data.t_p_eval_ms, data.t_eval_ms, data.n_p_eval, data.n_eval};
    jdoubleArray result = (*env)->NewDoubleArray(env, 4);
    if (result != NULL) {
        (*env)->SetDoubleArrayRegion(env, result, 0, 4, values);
    }
    return result;
}

JNIEXPORT void JNICALL Java_dev_lore_models_local_LlamaNative_perfReset(JNIEnv *env, jclass type, jlong handle) {
    (void) type;
    struct llama_context *ctx = context_of(env, handle);
    if (ctx != NULL) {
        p_llama_perf_context_reset(ctx);
    }
}
