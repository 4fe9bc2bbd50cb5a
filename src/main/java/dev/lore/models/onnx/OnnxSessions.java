package dev.lore.models.onnx;

import java.util.EnumSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;

/** Opens ONNX Runtime sessions on the configured device, falling back to the CPU where CUDA cannot be used. */
final class OnnxSessions {

    private static final Logger log = LoggerFactory.getLogger(OnnxSessions.class);

    private OnnxSessions() {
    }

    /** How a session is created from its model (a file or bytes) once its options are chosen. */
    @FunctionalInterface
    interface ModelSource {

        OrtSession open(OrtEnvironment environment, SessionOptions options) throws OrtException;
    }

    /** A session and the device it really runs on. */
    record Opened(OrtSession session, OnnxDevice device) {
    }

    /**
     * Opens a session for {@code model}. {@code intraOpThreads} is how many threads ONNX Runtime may use inside one
     * run (0: its own default, one per physical core it detects); callers that already run one inference per core
     * concurrently pass 1, as a second level of threads only oversubscribes the cores.
     */
    static Opened open(String model, ModelSource source, OnnxProperties settings, int intraOpThreads)
            throws OrtException {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        if (settings.device() == OnnxDevice.CUDA) {
            EnumSet<OrtProvider> providers = OrtEnvironment.getAvailableProviders();
            if (!providers.contains(OrtProvider.CUDA)) {
                log.warn("{}: lore.models.onnx.device=cuda, but this ONNX Runtime has no CUDA provider (providers: {}; "
                        + "build Lore with -Pgpu); running on the CPU", model, providers);
            }
            else {
                try (SessionOptions options = options(intraOpThreads)) {
                    options.addCUDA(settings.deviceId());
                    return new Opened(source.open(environment, options), OnnxDevice.CUDA);
                }
                // the CUDA provider library loads its CUDA and cuDNN dependencies only here: a GPU build on a
                // machine without them (or without a GPU) fails at this point, and the CPU still serves
                catch (OrtException | UnsatisfiedLinkError e) {
                    log.warn("{}: the CUDA provider cannot run on GPU {} ({}); running on the CPU", model,
                            settings.deviceId(), e.getMessage());
                }
            }
        }
        try (SessionOptions options = options(intraOpThreads)) {
            return new Opened(source.open(environment, options), OnnxDevice.CPU);
        }
    }

    private static SessionOptions options(int intraOpThreads) throws OrtException {
        SessionOptions options = new SessionOptions();
        if (intraOpThreads > 0) {
            options.setIntraOpNumThreads(intraOpThreads);
        }
        return options;
    }
}
