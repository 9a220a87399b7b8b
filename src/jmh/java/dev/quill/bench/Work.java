package dev.quill.bench;

/**
 * The work one call of each benchmark does, to turn its measured time into a rate: FLOP for the
 * products (and the whole step, by nanoGPT's count), bytes for the memory-bound ops (the least traffic
 * a fused kernel needs; see each benchmark's Javadoc for the convention).
 *
 * @param amount FLOP or bytes per call
 * @param flops  true for FLOP (rate in GFLOP/s), false for bytes (rate in GB/s)
 */
record Work(double amount, boolean flops) {

    static final double BABY_STEP_FLOP = babyStepFlop();

    static Work of(String benchmark, String shapeName) {
        String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
        String cls = benchmark.substring(0, benchmark.lastIndexOf('.'));
        cls = cls.substring(cls.lastIndexOf('.') + 1);
        Shape s = shapeName == null ? Shape.of("baby") : Shape.of(shapeName);
        double bt = s.rows();
        double f4 = 4.0; // bytes per float
        switch (cls) {
            case "GemmPeak":
                return new Work(GemmPeak.FLOP, true);
            case "MatMulBench": {
                double one = 2.0 * bt * s.c() * 3.0 * s.c();
                return new Work(method.equals("engineForwardBackward") ? 3 * one : one, true);
            }
            case "AttentionBench": {
                double fwd = 4.0 * s.b() * s.nh() * (double) s.t() * s.t() * s.hs();
                return new Work(method.equals("forward") ? fwd : 3 * fwd, true);
            }
            case "SoftmaxBench": {
                double n = (double) s.b() * s.nh() * s.t() * s.t();
                return new Work(method.equals("forward") ? 8 * n : 20 * n, false);
            }
            case "NormBench": {
                double n = bt * s.c();
                return new Work(method.endsWith("Forward") ? 8 * n : 20 * n, false);
            }
            case "GeluBench": {
                double n = bt * 4 * s.c();
                return new Work(method.equals("forward") ? 8 * n : 20 * n, false);
            }
            case "CrossEntropyBench": {
                double n = bt * s.v();
                return new Work(method.equals("forward") ? f4 * n : 8 * n, false);
            }
            case "AdamWBench":
                return new Work((method.equals("adamwStep") ? 28.0 : 4.0) * babyParams(), false);
            case "TrainStepBench":
                return new Work(BABY_STEP_FLOP, true);
            case "GenerateBench": {
                double perToken = 2.0 * babyParamsWithoutPositions();
                return new Work(method.equals("cachedStep") ? perToken : perToken * 64, true);
            }
            default:
                return null;
        }
    }

    // baby: 4 blocks of 12 C^2 weights + 2 C gains, ln_f C, wte V C, wpe T C (C=128, V=65, T=64)
    static double babyParamsWithoutPositions() {
        int c = 128, l = 4, v = 65;
        return l * (12.0 * c * c + 2.0 * c) + c + (double) v * c;
    }

    static double babyParams() {
        return babyParamsWithoutPositions() + 64.0 * 128;
    }

    private static double babyStepFlop() {
        double perToken = 6 * babyParamsWithoutPositions() + 12.0 * 4 * 128 * 64;
        return perToken * 12 * 64;
    }
}
