package dev.quill.train;

import dev.quill.config.ConfigJson;
import dev.quill.config.RunConfig;
import dev.quill.model.Module;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * What the processes of a data-parallel run must agree on before the first step, as one SHA-256: the
 * resolved config, every parameter's name, shape and whether it trains, and the build (Quill's version and
 * git commit). Two processes with different fingerprints would all-reduce gradients of different models.
 */
final class RunFingerprint {

    private RunFingerprint() {
    }

    /**
     * @param config the resolved run config
     * @param model  the model as built (after LoRA, before training)
     * @param build  the code's version (a git commit, or "unknown")
     * @return the SHA-256 of all of it
     */
    static byte[] of(RunConfig config, Module model, String build) {
        StringBuilder s = new StringBuilder();
        try {
            s.append(ConfigJson.MAPPER.writeValueAsString(config.toJson())).append('\n');
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        model.parameters().forEach((name, p) -> s.append(name).append(Arrays.toString(p.shape()))
                .append(p.requiresGrad() ? " trains\n" : " frozen\n"));
        s.append(build).append('\n').append(Trainer.class.getPackage().getImplementationVersion());
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.toString().getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
