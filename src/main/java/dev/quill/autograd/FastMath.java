package dev.quill.autograd;

/**
 * Float kernels whose loops HotSpot's C2 compiler turns into SIMD code (8 floats per AVX2 instruction):
 * plain arithmetic over {@code float[]}, with no call, branch or int conversion inside the loop. That rules
 * out {@code Math.exp} (~18 ns per element here, against ~1 ns for these loops), so functions are written
 * as polynomials and rational functions.
 *
 * <pre>
 * erf(u) ~= u P(u^2) / Q(u^2)     for |u| &lt;= 4, u clamped to [-4, 4] beyond (erf(4) = 1 - 1.5e-8)
 *           P of degree 6, Q of degree 5 with Q(0) = 1, fitted by tools/kernels/fit_erf.py;
 *           max error 4.2e-7 in float arithmetic (3.5 float ulps at 1), 1.4e-8 in exact arithmetic
 * erf'(u) = P/Q + 2 z (P' Q - P Q') / Q^2,   z = u^2   (the derivative of the same formula: a backward
 *           that is exactly the forward's slope; its error against 2/sqrt(pi) exp(-u^2) is below 1.3e-7)
 * tanh(u) ~= u R(u^2) / S(u^2) for |u| &lt;= 9, u clamped to [-9, 9] beyond (tanh(9) = 1 - 3.0e-8)
 *           R and S of degree 6 with S(0) = 1, fitted by tools/kernels/fit_tanh.py; max error 5.1e-7 in float
 * </pre>
 * {@link #exp} is the one scalar function here (its int-to-float step keeps C2 from vectorizing it), for
 * the softmax of attention, where it costs 2 to 3 times less than {@code Math.exp} (6-9 against 18-20 ns here).
 */
public final class FastMath {

    // package-private: VectorGelu evaluates the same polynomials
    static final float P0 = 1.128379168e+00f, P1 = 1.852799879e-01f, P2 = 5.435401113e-02f,
            P3 = 3.856478746e-03f, P4 = 3.808593507e-04f, P5 = 4.715120037e-06f, P6 = -1.336028876e-08f;
    static final float Q1 = 4.975335117e-01f, Q2 = 1.140140172e-01f, Q3 = 1.547984587e-02f,
            Q4 = 1.310691712e-03f, Q5 = 6.340358357e-05f;
    // coefficients of P' and Q' (k * P_k, k * Q_k)
    static final float D2 = 2 * P2, D3 = 3 * P3, D4 = 4 * P4, D5 = 5 * P5, D6 = 6 * P6;
    static final float E2 = 2 * Q2, E3 = 3 * Q3, E4 = 4 * Q4, E5 = 5 * Q5;
    static final float INV_SQRT_2 = (float) (1.0 / Math.sqrt(2.0));
    static final float ERF_LIMIT = 4f;

    private FastMath() {
    }

    /**
     * @param u any float
     * @return erf(u), to within 4.2e-7
     */
    public static float erf(float u) {
        float uc = Math.max(-ERF_LIMIT, Math.min(ERF_LIMIT, u));
        float z = uc * uc;
        return uc * p(z) / q(z);
    }

    private static float p(float z) {
        return P0 + z * (P1 + z * (P2 + z * (P3 + z * (P4 + z * (P5 + z * P6)))));
    }

    private static float q(float z) {
        return 1f + z * (Q1 + z * (Q2 + z * (Q3 + z * (Q4 + z * Q5))));
    }

    static final float R0 = 9.999999958e-01f, R1 = -1.588731671e-01f, R2 = 3.142073240e-02f,
            R3 = 7.953804696e-03f, R4 = 2.261101001e-04f, R5 = 1.342870574e-06f, R6 = 8.521121309e-10f;
    static final float S1 = 1.744600575e-01f, S2 = -4.375895219e-02f, S3 = 2.407407910e-02f,
            S4 = 1.631351097e-03f, S5 = 2.144023131e-05f, S6 = 5.025653283e-08f;
    static final float TANH_LIMIT = 9f;

    /**
     * @param u any float
     * @return tanh(u), to within 5.1e-7
     */
    public static float tanh(float u) {
        float uc = Math.max(-TANH_LIMIT, Math.min(TANH_LIMIT, u));
        float z = uc * uc;
        return uc * r(z) / s(z);
    }

    private static float r(float z) {
        return R0 + z * (R1 + z * (R2 + z * (R3 + z * (R4 + z * (R5 + z * R6)))));
    }

    private static float s(float z) {
        return 1f + z * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)))));
    }

    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693359375f;        // ln 2 = LN2_HI + LN2_LO, LN2_HI with few bits set,
    private static final float LN2_LO = -2.12194440e-4f;     // so that n * LN2_HI is exact for |n| < 2^10
    private static final float EXP_MIN = -87.33654f;         // e^x below the smallest normal float: 0

    /**
     * e^x in float, relative error below 2.5e-7 (FastMathTest), for the softmax's shifted scores (x &lt;= 0).
     * <pre>
     *   n = round(x / ln 2),  r = x - n ln 2 in [-ln 2 / 2, ln 2 / 2]
     *   e^x = 2^n e^r,  e^r ~= 1 + r + r^2/2! + ... + r^7/7!   (truncation below r^8/8! = 5.2e-9)
     * </pre>
     * 2^n is built from its exponent bits. Results that would be subnormal are 0; x above 88 (overflow
     * territory) goes to {@code Math.exp}.
     *
     * @param x any float
     * @return e^x
     */
    public static float exp(float x) {
        if (x < EXP_MIN) {
            return 0f;
        }
        if (x > 88f) {
            return (float) Math.exp(x);
        }
        float n = (float) Math.floor(x * LOG2E + 0.5f);
        float r = x - n * LN2_HI - n * LN2_LO;
        float e = 1f + r * (1f + r * (1f / 2 + r * (1f / 6 + r * (1f / 24 + r * (1f / 120 + r * (1f / 720 + r * (1f / 5040)))))));
        return e * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    /**
     * Exact-form GELU, y = x Phi(x) with Phi(x) = (1 + erf(x / sqrt 2)) / 2, for the first n elements.
     *
     * @param x input
     * @param y output (may be x)
     * @param n how many elements
     */
    public static void gelu(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[i];
            float u = Math.max(-ERF_LIMIT, Math.min(ERF_LIMIT, v * INV_SQRT_2));
            float z = u * u;
            float cdf = 0.5f + 0.5f * (u * p(z) / q(z));                 // Phi(x)
            y[i] = v * cdf;
        }
    }

    /**
     * The backward of {@link #gelu}: dx = dy (Phi(x) + x phi(x)), with phi = dPhi/dx = erf'(x / sqrt 2) / (2 sqrt 2)
     * taken from the same formula as the forward. Three short loops, not one: C2 vectorizes a loop only when
     * its body is small enough to unroll, and one loop holding all four polynomials is not.
     *
     * @param x   the forward's input
     * @param dy  the gradient of the output
     * @param dx  receives the gradient of the input (may be dy)
     * @param r   scratch of at least n floats
     * @param s   scratch of at least n floats
     * @param n   how many elements
     */
    public static void geluBackward(float[] x, float[] dy, float[] dx, float[] r, float[] s, int n) {
        for (int i = 0; i < n; i++) {                                          // r = P/Q = erf(u)/u, s = 1/Q
            float u = Math.max(-ERF_LIMIT, Math.min(ERF_LIMIT, x[i] * INV_SQRT_2));
            float z = u * u;
            float inv = 1f / q(z);
            r[i] = p(z) * inv;
            s[i] = inv;
        }
        for (int i = 0; i < n; i++) {                                          // s = (P' - (P/Q) Q') / Q
            float u = Math.max(-ERF_LIMIT, Math.min(ERF_LIMIT, x[i] * INV_SQRT_2));
            float z = u * u;
            float dp = P1 + z * (D2 + z * (D3 + z * (D4 + z * (D5 + z * D6))));
            float dq = Q1 + z * (E2 + z * (E3 + z * (E4 + z * E5)));
            s[i] = (dp - r[i] * dq) * s[i];
        }
        final float half = 0.5f * INV_SQRT_2;
        for (int i = 0; i < n; i++) {
            float v = x[i];
            float u = Math.max(-ERF_LIMIT, Math.min(ERF_LIMIT, v * INV_SQRT_2));
            float derf = r[i] + 2 * u * u * s[i];                              // erf'(u) = P/Q + 2z (P'Q - PQ')/Q^2
            dx[i] = dy[i] * (0.5f + 0.5f * u * r[i] + v * half * derf);        // Phi + x phi
        }
    }

    static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);
    static final float GELU_C = 0.044715f;

    /**
     * Tanh-form GELU (GPT-2's), y = x (1 + tanh u) / 2 with u = sqrt(2/pi) (x + 0.044715 x^3), for the first
     * n elements.
     *
     * @param x input
     * @param y output (may be x)
     * @param n how many elements
     */
    public static void geluTanh(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[i];
            float u = Math.max(-TANH_LIMIT, Math.min(TANH_LIMIT, SQRT_2_OVER_PI * (v + GELU_C * v * v * v)));
            float z = u * u;
            y[i] = 0.5f * v * (1f + u * r(z) / s(z));
        }
    }

    /**
     * The backward of {@link #geluTanh}: dx = dy ((1 + t) / 2 + x (1 - t^2) sqrt(2/pi) (1 + 3 0.044715 x^2) / 2)
     * with t = tanh u recomputed from x. Two loops, as in {@link #geluBackward}: t first, into {@code t}.
     *
     * @param x  the forward's input
     * @param dy the gradient of the output
     * @param dx receives the gradient of the input (may be dy)
     * @param t  scratch of at least n floats
     * @param n  how many elements
     */
    public static void geluTanhBackward(float[] x, float[] dy, float[] dx, float[] t, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[i];
            float u = Math.max(-TANH_LIMIT, Math.min(TANH_LIMIT, SQRT_2_OVER_PI * (v + GELU_C * v * v * v)));
            float z = u * u;
            t[i] = u * r(z) / s(z);
        }
        for (int i = 0; i < n; i++) {
            float v = x[i], th = t[i];
            float slope = 0.5f * (1f + th) + 0.5f * v * (1f - th * th) * SQRT_2_OVER_PI * (1f + 3f * GELU_C * v * v);
            dx[i] = dy[i] * slope;
        }
    }
}
