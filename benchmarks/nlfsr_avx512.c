/* Copied from shared/bench/nlfsr_avx512.c (the issue-32 reference): benchmarks/search.py builds it with
   gcc -O3 -march=native -DW=32 (or 64) and compares its step rate with the lockstep walk in one run. */
/* Lockstep brute force over form "3,1" (same candidates as nlfsr.c) with AVX-512
   intrinsics: VECS vectors of 16 x 32-bit lanes (W=32) or 8 x 64-bit lanes (W=64),
   CHUNK steps between refills; a lane back at state 1 stays there and stops counting
   (the package's lockstep scheme). Usage: nlfsr_avx512 n [listfile].
   Prints "candidates maximum steps seconds steps_per_second". */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
#include <immintrin.h>
#ifndef W
#define W 32
#endif
#ifndef VECS
#define VECS 8
#endif
#ifndef CHUNK
#define CHUNK 64
#endif
#if W == 32
typedef uint32_t lane_t;
#define PER 16
#define POPCNT _mm512_popcnt_epi32
#define TESTM _mm512_test_epi32_mask
#define CMPEQ _mm512_cmpeq_epi32_mask
#define CMPNE _mm512_cmpneq_epi32_mask
#define SRLI _mm512_srli_epi32
#define MOR _mm512_mask_or_epi32
#define MMOV _mm512_mask_mov_epi32
#define MADD _mm512_mask_add_epi32
#define SET1 _mm512_set1_epi32
typedef __mmask16 mask_t;
#else
typedef uint64_t lane_t;
#define PER 8
#define POPCNT _mm512_popcnt_epi64
#define TESTM _mm512_test_epi64_mask
#define CMPEQ _mm512_cmpeq_epi64_mask
#define CMPNE _mm512_cmpneq_epi64_mask
#define SRLI _mm512_srli_epi64
#define MOR _mm512_mask_or_epi64
#define MMOV _mm512_mask_mov_epi64
#define MADD _mm512_mask_add_epi64
#define SET1 _mm512_set1_epi64
typedef __mmask8 mask_t;
#endif
#define LANES (VECS * PER)

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }

static void step_chunk(lane_t *st, const lane_t *lin, const lane_t *qm, lane_t *walked, unsigned top) {
    __m512i s[VECS], L[VECS], Q[VECS], Wk[VECS];
    const __m512i one = SET1(1), topbit = SET1((lane_t)1 << top);
    for (int v = 0; v < VECS; v++) {
        s[v] = _mm512_loadu_si512(st + v * PER); L[v] = _mm512_loadu_si512(lin + v * PER);
        Q[v] = _mm512_loadu_si512(qm + v * PER); Wk[v] = _mm512_loadu_si512(walked + v * PER);
    }
    for (int k = 0; k < CHUNK; k++) {
        for (int v = 0; v < VECS; v++) {
            __m512i x = s[v];
            mask_t pm = TESTM(POPCNT(_mm512_and_si512(x, L[v])), one);
            mask_t qq = CMPEQ(_mm512_and_si512(x, Q[v]), Q[v]);
            mask_t fm = pm ^ qq;
            __m512i sr = SRLI(x, 1);
            __m512i nx = MOR(sr, fm, sr, topbit);
            mask_t mv = CMPNE(x, one);
            s[v] = MMOV(x, mv, nx);
            Wk[v] = MADD(Wk[v], mv, Wk[v], one);
        }
    }
    for (int v = 0; v < VECS; v++) { _mm512_storeu_si512(st + v * PER, s[v]); _mm512_storeu_si512(walked + v * PER, Wk[v]); }
}

typedef struct { int a, b, c, d; } cand_t;

int main(int argc, char **argv) {
    int n = atoi(argv[1]);
    FILE *lf = argc > 2 ? fopen(argv[2], "w") : NULL;
    const uint64_t full = (1ULL << n) - 1;
    unsigned top = n - 1;
    long ncand = (long)((n - 1) * (n - 2) / 2) * ((n - 1) * (n - 2) / 2);
    cand_t *cs = malloc(ncand * sizeof(cand_t));
    long m = 0;
    for (int d = 2; d < n; d++) for (int c = 1; c < d; c++)
        for (int b = 2; b < n; b++) for (int a = 1; a < b; a++) cs[m++] = (cand_t){a, b, c, d};
    static lane_t st[LANES], lin[LANES], qm[LANES], walked[LANES];
    long owner[LANES], next = 0, active = 0, maxc = 0; uint64_t total = 0;
    double t0 = now();
    for (int l = 0; l < LANES; l++) { owner[l] = -1; st[l] = 1; lin[l] = 0; qm[l] = 0; walked[l] = 0; }
    for (;;) {
        for (int l = 0; l < LANES; l++) {
            if (owner[l] >= 0) {
                if (st[l] == 1 || walked[l] >= full) {
                    total += walked[l];
                    if (st[l] == 1 && walked[l] == full) {
                        maxc++;
                        if (lf) fprintf(lf, "%lu %lu\n", (unsigned long)lin[l], (unsigned long)qm[l]);
                    }
                    owner[l] = -1; active--;
                } else continue;
            }
            if (next < ncand) {
                cand_t c = cs[next];
                lin[l] = (lane_t)(1u | (1u << c.a) | (1u << c.b));
                qm[l] = (lane_t)((1u << c.c) | (1u << c.d));
                lane_t x = 1, fb = (lane_t)(__builtin_popcountll(x & lin[l]) & 1) ^ (lane_t)((x & qm[l]) == qm[l]);
                st[l] = (x >> 1) | (fb << top);
                walked[l] = 1; owner[l] = next++; active++;
            } else { st[l] = 1; walked[l] = 0; }
        }
        if (!active) break;
        step_chunk(st, lin, qm, walked, top);
    }
    double t1 = now();
    if (lf) fclose(lf);
    printf("%ld %ld %lu %.4f %.4e\n", ncand, maxc, (unsigned long)total, t1 - t0, total / (t1 - t0));
    return 0;
}
