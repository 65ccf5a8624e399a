;; The element loops of BCEWithLogitsLoss for uniform weight and pos_weight, on f64x2 SIMD, with their own
;; exp and log1p. Assembled by bin/build-wasm.mjs (wabt) into kernel.wasm; driven by src/core/kernel-wasm.ts.
;; Plain f64x2 instructions only (no relaxed SIMD, no host calls): every operation is an IEEE-754 double
;; operation rounded to nearest, so the results are the same bits on every machine.
;;
;; Memory (2 pages): the two lanes of the compensated sum at 0 (s) and 16 (c); the loops' constants from 32
;; ($constants); the exp table at 1024, the log table at 3072; blocks of 2048 doubles: the inputs x at 8192
;; and y at 24576, the outputs loss at 40960 and d/dx at 57344, and between the passes e = exp(-|x|) at
;; 73728 (its low part at 90112) and softplus(-|x|) at 106496.
;;
;; A block goes through three passes, each a loop with its constants in locals and no calls (V8 does not
;; inline WebAssembly calls by default): $exp_block, $log1p_block, then run's element loop. The passes stay
;; apart: in one loop, exp, log1p and the element formula hold more values than the 16 SIMD registers, and
;; V8's register allocator then spills and reloads them at every branch (README, Performance).
;;
;; exp(t), |t| <= 708 ($exp_block; $exp_special takes the rest of the double range, one value at a time, after
;; the loop):
;;   k = round(t 128 / ln 2) (the 1.5 * 2^52 shift rounds to nearest and leaves k in the low bits),
;;   r = t - k ln2/128 with ln2/128 = NL2HI + NL2LO, NL2HI of 33 bits so k NL2HI is exact (|k| < 2^18) and
;;   t - k NL2HI too (Sterbenz); |r| <= ln2/256 (1 + 2^-30).
;;   2^(k/128) = 2^(k >> 7) T_j (1 + tail_j), j = k & 127: sbits_j + (k << 45) is the bit pattern of
;;   2^(k >> 7) T_j (the table holds bits(T_j) - (j << 45)), so the scale costs one integer add.
;;   exp(t) = scale (1 + tmp), tmp = tail_j + r + r^2 P(r), P of degree 3 fitted by tables.py; the
;;   approximation error is below 2^-63 relative, the reduction's below 2^-70.
;;   Error: the final scale + scale tmp rounds once (0.5 ulp); tmp carries about 2^-53 |r| < 2^-61 of
;;   rounding (the terms after r are below 2^-9 r), and tail_j the rounding of T_j to 2^-106: under
;;   0.51 ulp in all (checked against mpmath in test/wasm.exp-log1p.test.ts).
;;   $exp_block also keeps the rounding error of that last sum (Fast2Sum): e = hi + lo to about 2^-61, so
;;   that log1p(e) in softplus does not inherit the rounding of e.
;;   Results below 2^-1022 (t < -708.4) are formed at 2^1022 and rounded once to the subnormal grid by
;;   adding and subtracting 1 in double-double; above 2^1023 at 2^-1009; NaN stays NaN, exp(-inf) = 0.
;;
;; log1p(v + vlo), 0 <= v <= 1, |vlo| <= ulp(v) (the kernel's e = exp(-|x|) from $exp_block, in double-double):
;;   u = 1 + v rounded, du = (1 - u) + v its exact error (Fast2Sum, 1 >= v), plus vlo;
;;   j = round((u - 1) 128), c = 1 + j/128 (exact), log(1 + v) = log(c) + log1p(r), r = (u - c + du) / c,
;;   |r| <= 1/256. u - c is exact (both on the 2^-52 grid, |u - c| <= 2^-8);
;;   r = rh + rl: rh = (u - c) (1/c) rounded, and rl = ((u - c) - rh c + du) (1/c), where rh c is formed
;;   exactly from the Veltkamp halves of rh (26 bits each, c has at most 9), so rl is accurate to
;;   2^-100 relative to rh.
;;   log1p(r) = r - r^2/2 + r^3 Q(r), Q of degree 4 fitted by tables.py (approximation below 2^-75 relative);
;;   log(c) = Lh_j + Ll_j in double-double; Lh_j + rh is summed exactly (Fast2Sum: |Lh_j| >= 2 |rh| for
;;   j >= 1, and Lh_0 = 0), and every smaller term (Ll_j, rl, -r^2/2, r^3 Q, the rounding error of the sum)
;;   is added to the tail before the one final rounding. The tail's own errors stay below 2^-60 of the
;;   result: under 0.52 ulp in all. For j = 0 (v < 2^-8) r = v + vlo as given (subnormal v gives v).
;;   softplus(-|x|) = log1p(exp(-|x|)) fused this way stays under 0.52 ulp too, where log1p of a rounded e
;;   could reach 1 ulp (e's half ulp passes through log1p almost whole for small e).
;;
;; The loops evaluate the same formula as kernel.ts (lossFrom / gradFrom), operation for operation, with
;; e = exp(-|x|) and sp = log1p(e) from here; a pair of elements where either is at an edge (e below the
;; edge threshold, |x| > 708, a result that is not finite, NaN) stops the loop, and the driver computes the
;; pair with the JS formula and its edge cases and restarts the loop after it.
(module
  (memory (export "memory") 2)

  ;; The loops' constants, stored once at instantiation and loaded into locals before each loop: V8 rebuilds a
  ;; v128.const at every use inside a loop (three instructions for a splat), where a value loaded from memory
  ;; stays in a register, or is one load from the stack.
  (func $constants
    (v128.store (i32.const 32) (v128.const f64x2 0x1.71547652b82fep+7 0x1.71547652b82fep+7)) ;; INV
    (v128.store (i32.const 48) (v128.const f64x2 0x1.8p52 0x1.8p52)) ;; SHIFT
    (v128.store (i32.const 64) (v128.const f64x2 0x1.62e42fef8p-8 0x1.62e42fef8p-8)) ;; L2H
    (v128.store (i32.const 80) (v128.const f64x2 0x1.1cf79abc9e3b4p-43 0x1.1cf79abc9e3b4p-43)) ;; L2L
    (v128.store (i32.const 96) (v128.const f64x2 0x1.fffffffffff58p-2 0x1.fffffffffff58p-2)) ;; P0
    (v128.store (i32.const 112) (v128.const f64x2 0x1.5555555555525p-3 0x1.5555555555525p-3)) ;; P1
    (v128.store (i32.const 128) (v128.const f64x2 0x1.55555acd08c2ep-5 0x1.55555acd08c2ep-5)) ;; P2
    (v128.store (i32.const 144) (v128.const f64x2 0x1.11111430e54e5p-7 0x1.11111430e54e5p-7)) ;; P3
    (v128.store (i32.const 160) (v128.const f64x2 708 708)) ;; LIM
    (v128.store (i32.const 176) (v128.const f64x2 1 1)) ;; ONE
    (v128.store (i32.const 192) (v128.const f64x2 128 128)) ;; N
    (v128.store (i32.const 208) (v128.const f64x2 134217729 134217729)) ;; SPLIT
    (v128.store (i32.const 224) (v128.const f64x2 0.5 0.5)) ;; HALF
    (v128.store (i32.const 240) (v128.const f64x2 0x1.5555555555555p-2 0x1.5555555555555p-2)) ;; Q0
    (v128.store (i32.const 256) (v128.const f64x2 -0x1.ffffffffaff78p-3 -0x1.ffffffffaff78p-3)) ;; Q1
    (v128.store (i32.const 272) (v128.const f64x2 0x1.9999999952759p-3 0x1.9999999952759p-3)) ;; Q2
    (v128.store (i32.const 288) (v128.const f64x2 -0x1.55569566b7f3ep-3 -0x1.55569566b7f3ep-3)) ;; Q3
    (v128.store (i32.const 304) (v128.const f64x2 0x1.249365a5d2ad4p-3 0x1.249365a5d2ad4p-3)) ;; Q4
  )
  (start $constants)

  ;; E + ELO = exp(t) in double-double for the n values at X (t = x, or t = -|x| when fused is 1), n even.
  (func $exp_block (param $n i32) (param $fused i32)
    (local $i i32) (local $o i32) (local $t v128) (local $z v128) (local $kd v128) (local $r v128) (local $r2 v128)
    (local $a0 i32) (local $a1 i32) (local $tail v128) (local $sbits v128) (local $hi v128) (local $special v128) (local $x f64)
    (local $INV v128) (local $SHIFT v128) (local $L2H v128) (local $L2L v128) (local $P0 v128) (local $P1 v128)
    (local $P2 v128) (local $P3 v128) (local $LIM v128)
    (local.set $INV (v128.load (i32.const 32)))
    (local.set $SHIFT (v128.load (i32.const 48)))
    (local.set $L2H (v128.load (i32.const 64)))
    (local.set $L2L (v128.load (i32.const 80)))
    (local.set $P0 (v128.load (i32.const 96)))
    (local.set $P1 (v128.load (i32.const 112)))
    (local.set $P2 (v128.load (i32.const 128)))
    (local.set $P3 (v128.load (i32.const 144)))
    (local.set $LIM (v128.load (i32.const 160)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 3)))
      (local.set $t (v128.load offset=8192 (local.get $o)))
      (if (local.get $fused) (then (local.set $t (f64x2.neg (f64x2.abs (local.get $t))))))
      (local.set $z (f64x2.add (f64x2.mul (local.get $t) (local.get $INV)) (local.get $SHIFT)))
      (local.set $kd (f64x2.sub (local.get $z) (local.get $SHIFT)))
      (local.set $r (f64x2.sub (f64x2.sub (local.get $t) (f64x2.mul (local.get $kd) (local.get $L2H)))
                               (f64x2.mul (local.get $kd) (local.get $L2L))))
      (local.set $a0 (i32.add (i32.const 1024) (i32.shl (i32.and (i32.wrap_i64 (i64x2.extract_lane 0 (local.get $z))) (i32.const 127)) (i32.const 4))))
      (local.set $a1 (i32.add (i32.const 1024) (i32.shl (i32.and (i32.wrap_i64 (i64x2.extract_lane 1 (local.get $z))) (i32.const 127)) (i32.const 4))))
      ;; the two lanes' entries (tail, sbits), regrouped by shuffles
      (local.set $tail (v128.load (local.get $a0)))
      (local.set $sbits (v128.load (local.get $a1)))
      (local.set $hi (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $tail) (local.get $sbits)))
      (local.set $sbits (i64x2.add (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $tail) (local.get $sbits))
                                   (i64x2.shl (local.get $z) (i32.const 45))))
      (local.set $tail (local.get $hi))
      (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
      ;; tmp = tail + r + r^2 (P0 + r P1) + r^4 (P2 + r P3), into $r; then scale tmp
      (local.set $r
        (f64x2.mul (local.get $sbits)
          (f64x2.add
            (f64x2.add
              (f64x2.add (local.get $tail) (local.get $r))
              (f64x2.mul (local.get $r2) (f64x2.add (local.get $P0) (f64x2.mul (local.get $r) (local.get $P1)))))
            (f64x2.mul (f64x2.mul (local.get $r2) (local.get $r2)) (f64x2.add (local.get $P2) (f64x2.mul (local.get $r) (local.get $P3)))))))
      ;; scale + scale tmp, and the rounding error of that sum (Fast2Sum, |scale tmp| < scale)
      (local.set $hi (f64x2.add (local.get $sbits) (local.get $r)))
      (local.set $r (f64x2.add (f64x2.sub (local.get $sbits) (local.get $hi)) (local.get $r)))
      (local.set $special (v128.or (local.get $special) (v128.not (f64x2.le (f64x2.abs (local.get $t)) (local.get $LIM)))))
      (v128.store offset=73728 (local.get $o) (local.get $hi))
      (v128.store offset=90112 (local.get $o) (local.get $r))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $next)))
    ;; |t| > 708 or NaN somewhere: those values again, one at a time, by $exp_special (low part 0). Apart from
    ;; the loop, whose values would otherwise be spilled around the call at every pair.
    (if (v128.any_true (local.get $special))
      (then
        (local.set $i (i32.const 0))
        (block $fixed (loop $each
          (br_if $fixed (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $o (i32.shl (local.get $i) (i32.const 3)))
          (local.set $x (f64.load offset=8192 (local.get $o)))
          (if (local.get $fused) (then (local.set $x (f64.neg (f64.abs (local.get $x))))))
          (if (i32.eqz (f64.le (f64.abs (local.get $x)) (f64.const 708)))
            (then
              (f64.store offset=73728 (local.get $o) (call $exp_special (local.get $x)))
              (f64.store offset=90112 (local.get $o) (f64.const 0))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $each))))))

  (func $exp_special (param $t f64) (result f64)
    (local $z f64) (local $kd f64) (local $r f64) (local $r2 f64) (local $a i32) (local $tmp f64)
    (local $sbits i64) (local $scale f64) (local $y f64) (local $lo f64) (local $hi f64)
    (if (f64.ne (local.get $t) (local.get $t)) (then (return (local.get $t))))
    (if (f64.gt (local.get $t) (f64.const 710)) (then (return (f64.const inf))))
    (if (f64.lt (local.get $t) (f64.const -746)) (then (return (f64.const 0))))
    (local.set $z (f64.add (f64.mul (local.get $t) (f64.const 0x1.71547652b82fep+7)) (f64.const 0x1.8p52)))
    (local.set $kd (f64.sub (local.get $z) (f64.const 0x1.8p52)))
    (local.set $r (f64.sub (f64.sub (local.get $t) (f64.mul (local.get $kd) (f64.const 0x1.62e42fef8p-8)))
                           (f64.mul (local.get $kd) (f64.const 0x1.1cf79abc9e3b4p-43))))
    (local.set $a (i32.add (i32.const 1024) (i32.shl (i32.and (i32.wrap_i64 (i64.reinterpret_f64 (local.get $z))) (i32.const 127)) (i32.const 4))))
    (local.set $r2 (f64.mul (local.get $r) (local.get $r)))
    (local.set $tmp
      (f64.add
        (f64.add
          (f64.add (f64.load (local.get $a)) (local.get $r))
          (f64.mul (local.get $r2) (f64.add (f64.const 0x1.fffffffffff58p-2) (f64.mul (local.get $r) (f64.const 0x1.5555555555525p-3)))))
        (f64.mul (f64.mul (local.get $r2) (local.get $r2))
          (f64.add (f64.const 0x1.55555acd08c2ep-5) (f64.mul (local.get $r) (f64.const 0x1.11111430e54e5p-7))))))
    (local.set $sbits (i64.add (i64.load offset=8 (local.get $a)) (i64.shl (i64.reinterpret_f64 (local.get $z)) (i64.const 45))))
    (if (f64.gt (local.get $t) (f64.const 0))
      (then
        ;; the scale at 2^-1009, the result scaled back once (it overflows only where exp(t) does)
        (local.set $scale (f64.reinterpret_i64 (i64.sub (local.get $sbits) (i64.const 0x3f10000000000000))))
        (return (f64.mul (f64.add (local.get $scale) (f64.mul (local.get $scale) (local.get $tmp))) (f64.const 0x1p1009)))))
    ;; t < -708: the scale at 2^1022
    (local.set $scale (f64.reinterpret_i64 (i64.add (local.get $sbits) (i64.const 0x3fe0000000000000))))
    (local.set $y (f64.add (local.get $scale) (f64.mul (local.get $scale) (local.get $tmp))))
    (if (f64.lt (local.get $y) (f64.const 1))
      (then
        ;; a subnormal result: round once, on the grid of 2^-52 at this scale (2^-1074 after it), by
        ;; adding 1 in double-double and subtracting it again
        (local.set $lo (f64.add (f64.sub (local.get $scale) (local.get $y)) (f64.mul (local.get $scale) (local.get $tmp))))
        (local.set $hi (f64.add (f64.const 1) (local.get $y)))
        (local.set $lo (f64.add (f64.add (f64.sub (f64.const 1) (local.get $hi)) (local.get $y)) (local.get $lo)))
        (local.set $y (f64.sub (f64.add (local.get $hi) (local.get $lo)) (f64.const 1)))
        ;; never -0
        (if (f64.eq (local.get $y) (f64.const 0)) (then (local.set $y (f64.const 0))))))
    (f64.mul (local.get $y) (f64.const 0x1p-1022)))

  ;; SP = log1p(E + ELO) for n values (n even), 0 <= E <= 1.
  (func $log1p_block (param $n i32)
    (local $i i32) (local $o i32) (local $v v128) (local $vlo v128)
    (local $u v128) (local $du v128) (local $z v128) (local $a0 i32) (local $a1 i32)
    (local $c v128) (local $invc v128) (local $lh v128) (local $ll v128)
    (local $dh v128) (local $rh v128) (local $th v128) (local $rhh v128) (local $rhl v128) (local $rl v128)
    (local $rf v128) (local $r2 v128) (local $q v128) (local $s v128) (local $err v128)
    (local $ONE v128) (local $N v128) (local $SHIFT v128) (local $SPLIT v128) (local $HALF v128)
    (local $Q0 v128) (local $Q1 v128) (local $Q2 v128) (local $Q3 v128) (local $Q4 v128)
    (local.set $ONE (v128.load (i32.const 176)))
    (local.set $N (v128.load (i32.const 192)))
    (local.set $SHIFT (v128.load (i32.const 48)))
    (local.set $SPLIT (v128.load (i32.const 208)))
    (local.set $HALF (v128.load (i32.const 224)))
    (local.set $Q0 (v128.load (i32.const 240)))
    (local.set $Q1 (v128.load (i32.const 256)))
    (local.set $Q2 (v128.load (i32.const 272)))
    (local.set $Q3 (v128.load (i32.const 288)))
    (local.set $Q4 (v128.load (i32.const 304)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 3)))
      (local.set $v (v128.load offset=73728 (local.get $o)))
      (local.set $vlo (v128.load offset=90112 (local.get $o)))
      (local.set $u (f64x2.add (local.get $ONE) (local.get $v)))
      (local.set $du (f64x2.add (f64x2.add (f64x2.sub (local.get $ONE) (local.get $u)) (local.get $v)) (local.get $vlo)))
      (local.set $z (f64x2.add (f64x2.mul (f64x2.sub (local.get $u) (local.get $ONE)) (local.get $N)) (local.get $SHIFT)))
      (local.set $a0 (i32.add (i32.const 3072) (i32.shl (i32.and (i32.wrap_i64 (i64x2.extract_lane 0 (local.get $z))) (i32.const 255)) (i32.const 5))))
      (local.set $a1 (i32.add (i32.const 3072) (i32.shl (i32.and (i32.wrap_i64 (i64x2.extract_lane 1 (local.get $z))) (i32.const 255)) (i32.const 5))))
      ;; the two lanes' entries (c, 1/c, Lh, Ll), regrouped by shuffles
      (local.set $th (v128.load (local.get $a0)))
      (local.set $rh (v128.load (local.get $a1)))
      (local.set $c (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $th) (local.get $rh)))
      (local.set $invc (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $th) (local.get $rh)))
      (local.set $th (v128.load offset=16 (local.get $a0)))
      (local.set $rh (v128.load offset=16 (local.get $a1)))
      (local.set $lh (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $th) (local.get $rh)))
      (local.set $ll (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $th) (local.get $rh)))
      (local.set $dh (f64x2.sub (local.get $u) (local.get $c)))
      (local.set $rh (f64x2.mul (local.get $dh) (local.get $invc)))
      ;; Veltkamp: rh = rhh + rhl, 26 bits each
      (local.set $th (f64x2.mul (local.get $rh) (local.get $SPLIT)))
      (local.set $rhh (f64x2.sub (local.get $th) (f64x2.sub (local.get $th) (local.get $rh))))
      (local.set $rhl (f64x2.sub (local.get $rh) (local.get $rhh)))
      (local.set $rl
        (f64x2.mul
          (f64x2.add
            (f64x2.sub (f64x2.sub (local.get $dh) (f64x2.mul (local.get $rhh) (local.get $c))) (f64x2.mul (local.get $rhl) (local.get $c)))
            (local.get $du))
          (local.get $invc)))
      ;; j = 0 (c = 1): r = v + vlo as it is
      (local.set $th (f64x2.eq (local.get $c) (local.get $ONE)))
      (local.set $rh (v128.bitselect (local.get $v) (local.get $rh) (local.get $th)))
      (local.set $rl (v128.bitselect (local.get $vlo) (local.get $rl) (local.get $th)))
      ;; r = rh + rl rounded: the powers of r need no more
      (local.set $rf (f64x2.add (local.get $rh) (local.get $rl)))
      (local.set $r2 (f64x2.mul (local.get $rf) (local.get $rf)))
      (local.set $q
        (f64x2.add (local.get $Q0)
          (f64x2.mul (local.get $rf)
            (f64x2.add (local.get $Q1)
              (f64x2.mul (local.get $rf)
                (f64x2.add (local.get $Q2)
                  (f64x2.mul (local.get $rf) (f64x2.add (local.get $Q3) (f64x2.mul (local.get $rf) (local.get $Q4))))))))))
      (local.set $s (f64x2.add (local.get $lh) (local.get $rh)))
      (local.set $err (f64x2.add (f64x2.sub (local.get $lh) (local.get $s)) (local.get $rh)))
      ;; s + [(err + Ll + rl) + (r^3 Q - r^2 / 2)]
      (v128.store offset=106496 (local.get $o)
        (f64x2.add (local.get $s)
          (f64x2.add
            (f64x2.add (f64x2.add (local.get $err) (local.get $ll)) (local.get $rl))
            (f64x2.sub
              (f64x2.mul (local.get $r2) (f64x2.mul (local.get $rf) (local.get $q)))
              (f64x2.mul (local.get $r2) (local.get $HALF))))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $next))))

  ;; Tests: exp(x) for the n values (n even) at X into E; log1p(v) for v at E (plus ELO) into SP; softplus(-|x|) =
  ;; log1p(exp(-|x|)) for x at X into SP.
  (func (export "exp") (param $n i32) (call $exp_block (local.get $n) (i32.const 0)))
  (func (export "log1p") (param $n i32) (call $log1p_block (local.get $n)))
  (func (export "softplus") (param $n i32) (call $exp_block (local.get $n) (i32.const 1)) (call $log1p_block (local.get $n)))
  ;; e = exp(-|x|) into E (and ELO), softplus(-|x|) into SP, for the n values at X: run's inputs.
  (func (export "prepare") (param $n i32) (call $exp_block (local.get $n) (i32.const 1)) (call $log1p_block (local.get $n)))

  ;; The element loop over the pairs [start, n) of the block (n even), after prepare(n). mode: 1 = store the
  ;; losses, 2 = d/dx (stored, divided by d), 4 = sum the losses into the two lanes at 0 and 16. Returns n, or
  ;; the first pair that needs the JS formula (nothing of that pair is stored or summed).
  (func $run (export "run") (param $mode i32) (param $start i32) (param $n i32) (param $w f64) (param $p f64) (param $edge f64) (param $d f64) (result i32)
    (local $i i32) (local $o i32) (local $x v128) (local $y v128) (local $e v128) (local $sp v128)
    (local $pos v128) (local $omy v128) (local $py v128) (local $l v128) (local $g v128) (local $ok v128)
    (local $q v128) (local $near1 v128) (local $nearE v128) (local $t v128) (local $s v128) (local $c v128)
    (local $W v128) (local $P v128) (local $EDGE v128) (local $D v128) (local $ONE v128) (local $LIM v128) (local $ZERO v128)
    (local.set $W (f64x2.splat (local.get $w)))
    (local.set $P (f64x2.splat (local.get $p)))
    (local.set $EDGE (f64x2.splat (local.get $edge)))
    (local.set $D (f64x2.splat (local.get $d)))
    (local.set $ONE (v128.load (i32.const 176)))
    (local.set $LIM (v128.load (i32.const 160)))
    (local.set $s (v128.load (i32.const 0)))
    (local.set $c (v128.load (i32.const 16)))
    (local.set $i (local.get $start))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 3)))
      (local.set $x (v128.load offset=8192 (local.get $o)))
      (local.set $y (v128.load offset=24576 (local.get $o)))
      (local.set $e (v128.load offset=73728 (local.get $o)))
      (local.set $sp (v128.load offset=106496 (local.get $o)))
      (local.set $pos (f64x2.ge (local.get $x) (local.get $ZERO)))
      (local.set $omy (f64x2.sub (local.get $ONE) (local.get $y)))
      (local.set $py (f64x2.mul (local.get $P) (local.get $y)))
      ;; w [a x + lw sp], a = 1 - y (x >= 0) or -p y (x < 0), lw = (1 - y) + p y
      (local.set $l
        (f64x2.mul (local.get $W)
          (f64x2.add
            (f64x2.mul (v128.bitselect (local.get $omy) (f64x2.neg (local.get $py)) (local.get $pos)) (local.get $x))
            (f64x2.mul (f64x2.add (local.get $omy) (local.get $py)) (local.get $sp)))))
      ;; l - l + e >= edge: finite, and e above the edge threshold; |x| <= 708, where exp needed no special case
      (local.set $ok
        (v128.and
          (f64x2.ge (f64x2.add (f64x2.sub (local.get $l) (local.get $l)) (local.get $e)) (local.get $EDGE))
          (f64x2.le (f64x2.abs (local.get $x)) (local.get $LIM))))
      (if (i32.and (local.get $mode) (i32.const 2))
        (then
          (local.set $q (f64x2.add (local.get $ONE) (local.get $e)))
          (local.set $near1 (f64x2.div (local.get $ONE) (local.get $q)))
          (local.set $nearE (f64x2.div (local.get $e) (local.get $q)))
          ;; w [(1 - y) sigmoid(x) - p y sigmoid(-x)] / d
          (local.set $g
            (f64x2.div
              (f64x2.mul (local.get $W)
                (f64x2.sub
                  (f64x2.mul (local.get $omy) (v128.bitselect (local.get $near1) (local.get $nearE) (local.get $pos)))
                  (f64x2.mul (local.get $py) (v128.bitselect (local.get $nearE) (local.get $near1) (local.get $pos)))))
              (local.get $D)))
          (local.set $ok (v128.and (local.get $ok)
            (f64x2.ge (f64x2.add (f64x2.sub (local.get $g) (local.get $g)) (local.get $e)) (local.get $EDGE))))))
      (br_if $done (i32.eqz (i64x2.all_true (local.get $ok))))
      (if (i32.and (local.get $mode) (i32.const 1)) (then (v128.store offset=40960 (local.get $o) (local.get $l))))
      (if (i32.and (local.get $mode) (i32.const 2)) (then (v128.store offset=57344 (local.get $o) (local.get $g))))
      (if (i32.and (local.get $mode) (i32.const 4))
        (then
          ;; Neumaier, lane by lane
          (local.set $t (f64x2.add (local.get $s) (local.get $l)))
          (local.set $c (f64x2.add (local.get $c)
            (v128.bitselect
              (f64x2.add (f64x2.sub (local.get $s) (local.get $t)) (local.get $l))
              (f64x2.add (f64x2.sub (local.get $l) (local.get $t)) (local.get $s))
              (f64x2.ge (f64x2.abs (local.get $s)) (f64x2.abs (local.get $l))))))
          (local.set $s (local.get $t))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $next)))
    (v128.store (i32.const 0) (local.get $s))
    (v128.store (i32.const 16) (local.get $c))
    (local.get $i))

  ;; BEGIN TABLES (generated by src/core/wasm/tables.py: do not edit)
  ;; exp: P(r) = 0x1.fffffffffff58p-2, 0x1.5555555555525p-3, 0x1.55555acd08c2ep-5, 0x1.11111430e54e5p-7; max |error| of r^2 P against exp(r) - 1 - r, relative to r^2: 1.87e-14
  ;; log1p: Q(r) = 0x1.5555555555555p-2, -0x1.ffffffffaff78p-3, 0x1.9999999952759p-3, -0x1.55569566b7f3ep-3, 0x1.249365a5d2ad4p-3; max |error| of r^3 Q relative to r^3: 2.15e-14
  (data (i32.const 1024)
    "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\f0\3f\6e\bf\88\1a\4f\3b\9b\3c\35\33\fb\a9\3d\f6\ef\3f"
    "\5d\dc\d8\9c\13\60\71\bc\61\80\77\3e\9a\ec\ef\3f\d1\66\87\10\7a\5e\90\bc\85\7f\6e\e8\15\e3\ef\3f"
    "\13\f6\67\35\52\d2\8c\3c\74\85\15\d3\b0\d9\ef\3f\fa\8e\f9\23\80\ce\8b\bc\de\f6\dd\29\6b\d0\ef\3f"
    "\61\c8\e6\61\4e\f7\60\3c\c8\9b\75\18\45\c7\ef\3f\99\d3\33\5b\e4\a3\90\3c\83\f3\c6\ca\3e\be\ef\3f"
    "\6d\7b\83\5d\a6\9a\97\3c\0f\89\f9\6c\58\b5\ef\3f\fc\ef\fd\92\1a\b5\8e\3c\f7\47\72\2b\92\ac\ef\3f"
    "\d1\9c\2f\70\3d\be\3e\3c\a2\d1\d3\32\ec\a3\ef\3f\0b\6e\90\89\34\03\6a\bc\1b\d3\fe\af\66\9b\ef\3f"
    "\0e\bd\2f\2a\52\56\95\bc\51\5b\12\d0\01\93\ef\3f\55\ea\4e\8c\ef\80\50\bc\cc\31\6c\c0\bd\8a\ef\3f"
    "\16\f4\d5\b9\23\c9\91\bc\e0\2d\a9\ae\9a\82\ef\3f\af\55\5c\e9\e3\d3\80\3c\51\8e\a5\c8\98\7a\ef\3f"
    "\48\93\a5\ea\15\1b\80\bc\7b\51\7d\3c\b8\72\ef\3f\3d\32\de\55\f0\1f\8f\bc\ea\8d\8c\38\f9\6a\ef\3f"
    "\bf\53\13\3f\8c\89\8b\3c\75\cb\6f\eb\5b\63\ef\3f\26\eb\11\76\9c\d9\96\bc\d4\5c\04\84\e0\5b\ef\3f"
    "\60\2f\3a\3e\f7\ec\9a\3c\aa\b9\68\31\87\54\ef\3f\9d\38\86\cb\82\e7\8f\bc\1d\d9\fc\22\50\4d\ef\3f"
    "\8d\c3\a6\44\41\6f\8a\3c\d6\8c\62\88\3b\46\ef\3f\7d\04\e4\b0\05\7a\80\3c\96\dc\7d\91\49\3f\ef\3f"
    "\94\a8\a8\e3\fd\8e\96\3c\38\62\75\6e\7a\38\ef\3f\7d\48\74\f2\18\5e\87\3c\3f\a6\b2\4f\ce\31\ef\3f"
    "\f2\e7\1f\98\2b\47\80\3c\dd\7c\e2\65\45\2b\ef\3f\5e\08\71\3f\7b\b8\96\bc\81\63\f5\e1\df\24\ef\3f"
    "\31\ab\09\6d\e1\f7\82\3c\e1\de\1f\f5\9d\1e\ef\3f\fa\bf\6f\1a\9b\21\3d\bc\90\d9\da\d0\7f\18\ef\3f"
    "\b4\0a\0c\72\82\37\8b\3c\0b\03\e4\a6\85\12\ef\3f\8f\cb\ce\89\92\14\6e\3c\56\2f\3e\a9\af\0c\ef\3f"
    "\b6\ab\b0\4d\75\4d\83\3c\15\b7\31\0a\fe\06\ef\3f\4c\74\ac\e2\01\42\86\3c\31\d8\4c\fc\70\01\ef\3f"
    "\4a\f8\d3\5d\39\dd\8f\3c\ff\16\64\b2\08\fc\ee\3f\04\5b\8e\3b\80\a3\86\bc\f1\9f\92\5f\c5\f6\ee\3f"
    "\68\50\4b\cc\ed\4a\92\bc\cb\a9\3a\37\a7\f1\ee\3f\8e\2d\51\1b\f8\07\99\bc\66\d8\05\6d\ae\ec\ee\3f"
    "\d2\36\94\3e\e8\d1\71\bc\f7\9f\e5\34\db\e7\ee\3f\15\1b\ce\b3\19\19\99\bc\e5\a8\13\c3\2d\e3\ee\3f"
    "\6d\4c\2a\a7\48\9f\85\3c\22\34\12\4c\a6\de\ee\3f\8a\69\28\7a\60\12\93\bc\1c\80\ac\04\45\da\ee\3f"
    "\5b\89\17\48\8f\a7\58\bc\2a\2e\f7\21\0a\d6\ee\3f\1b\9a\49\67\9b\2c\7c\bc\97\a8\50\d9\f5\d1\ee\3f"
    "\11\ac\c2\60\ed\63\43\3c\2d\89\61\60\08\ce\ee\3f\ef\64\06\3b\09\66\96\3c\57\00\1d\ed\41\ca\ee\3f"
    "\79\03\a1\da\e1\cc\6e\3c\d0\3c\c1\b5\a2\c6\ee\3f\30\12\0f\3f\8e\ff\93\3c\de\d3\d7\f0\2a\c3\ee\3f"
    "\b0\af\7a\bb\ce\90\76\3c\27\2a\36\d5\da\bf\ee\3f\77\e0\54\eb\bd\1d\93\3c\0d\dd\fd\99\b2\bc\ee\3f"
    "\8e\a3\71\00\34\94\8f\bc\a7\2c\9d\76\b2\b9\ee\3f\49\a3\93\dc\cc\de\87\bc\42\66\cf\a2\da\b6\ee\3f"
    "\5f\38\0f\bd\c6\de\78\bc\82\4f\9d\56\2b\b4\ee\3f\f6\5c\7b\ec\46\12\86\bc\0f\92\5d\ca\a4\b1\ee\3f"
    "\8e\d7\fd\18\05\35\93\3c\da\27\b5\36\47\af\ee\3f\05\9b\8a\2f\b7\98\7b\3c\fd\c7\97\d4\12\ad\ee\3f"
    "\09\54\1c\e2\e1\63\90\3c\29\54\48\dd\07\ab\ee\3f\ea\c6\19\50\85\c7\34\3c\b7\46\59\8a\26\a9\ee\3f"
    "\35\c0\64\2b\e6\32\94\3c\48\21\ad\15\6f\a7\ee\3f\9f\76\99\61\4a\e4\8c\bc\09\dc\76\b9\e1\a5\ee\3f"
    "\a8\4d\ef\3b\c5\33\8c\bc\85\55\3a\b0\7e\a4\ee\3f\ae\e9\2b\89\78\53\84\bc\20\c3\cc\34\46\a3\ee\3f"
    "\58\58\56\78\dd\ce\93\bc\25\22\55\82\38\a2\ee\3f\64\19\7e\80\aa\10\57\3c\73\a9\4c\d4\55\a1\ee\3f"
    "\28\22\5e\bf\ef\b3\93\bc\cd\3b\7f\66\9e\a0\ee\3f\82\b9\34\87\ad\12\6a\bc\bf\da\0b\75\12\a0\ee\3f"
    "\ee\a9\6d\b8\ef\67\63\bc\2f\1a\65\3c\b2\9f\ee\3f\51\88\e0\54\3d\dc\80\bc\84\94\51\f9\7d\9f\ee\3f"
    "\cf\3e\5a\7e\64\1f\78\bc\74\5f\ec\e8\75\9f\ee\3f\b0\7d\8b\c0\4a\ee\86\bc\74\81\a5\48\9a\9f\ee\3f"
    "\8a\e6\55\1e\32\19\86\bc\c9\67\42\56\eb\9f\ee\3f\d3\d4\09\5e\cb\9c\90\3c\3f\5d\de\4f\69\a0\ee\3f"
    "\1d\a5\4d\b9\dc\32\7b\bc\87\01\eb\73\14\a1\ee\3f\6b\c0\67\54\fd\ec\94\3c\32\c1\30\01\ed\a1\ee\3f"
    "\55\6c\d6\ab\e1\eb\65\3c\62\4e\cf\36\f3\a2\ee\3f\42\cf\b3\2f\c5\a1\88\bc\12\1a\3e\54\27\a4\ee\3f"
    "\34\37\3b\f1\b6\69\93\bc\13\ce\4c\99\89\a5\ee\3f\1e\ff\19\3a\84\5e\80\bc\ad\c7\23\46\1a\a7\ee\3f"
    "\6e\57\72\d8\50\d4\94\bc\ed\92\44\9b\d9\a8\ee\3f\00\8a\0e\5b\67\ad\90\3c\99\66\8a\d9\c7\aa\ee\3f"
    "\b4\ea\f0\c1\2f\b7\8d\3c\db\a0\2a\42\e5\ac\ee\3f\ff\e7\c5\9c\60\b6\65\bc\8c\44\b5\16\32\af\ee\3f"
    "\44\5f\f3\59\83\f6\7b\3c\36\77\15\99\ae\b1\ee\3f\83\3d\1e\a7\1f\09\93\bc\c6\ff\91\0b\5b\b4\ee\3f"
    "\29\1e\6c\8b\b8\a9\5d\bc\e5\c5\cd\b0\37\b7\ee\3f\59\b9\90\7c\f9\23\6c\bc\0f\52\c8\cb\44\ba\ee\3f"
    "\aa\f9\f4\22\43\43\92\bc\50\4e\de\9f\82\bd\ee\3f\4b\8e\66\d7\6c\ca\85\bc\ba\07\ca\70\f1\c0\ee\3f"
    "\27\ce\91\2b\fc\af\71\3c\90\f0\a3\82\91\c4\ee\3f\bb\73\0a\e1\35\d2\6d\3c\23\23\e3\19\63\c8\ee\3f"
    "\63\22\62\22\04\c5\87\bc\65\e5\5d\7b\66\cc\ee\3f\d5\31\e2\e3\86\1c\8b\3c\33\2d\4a\ec\9b\d0\ee\3f"
    "\15\bb\bc\d3\d1\bb\91\bc\5d\25\3e\b2\03\d5\ee\3f\d2\31\ee\9c\31\cc\90\3c\58\b3\30\13\9e\d9\ee\3f"
    "\b3\5a\73\6e\84\69\84\3c\bf\fd\79\55\6b\de\ee\3f\b4\9d\8e\97\cd\df\82\bc\7a\f3\d3\bf\6b\e3\ee\3f"
    "\87\33\cb\92\77\1a\8c\3c\ad\d3\5a\99\9f\e8\ee\3f\fa\d9\d1\4a\8f\7b\90\bc\66\b6\8d\29\07\ee\ee\3f"
    "\ba\ae\dc\56\d9\c3\55\bc\fb\15\4f\b8\a2\f3\ee\3f\40\f6\a6\3d\0e\a4\90\bc\3a\59\e5\8d\72\f9\ee\3f"
    "\34\93\ad\38\f4\d6\68\bc\47\5e\fb\f2\76\ff\ee\3f\35\8a\58\6b\e2\ee\91\bc\4a\06\a1\30\b0\05\ef\3f"
    "\cd\dd\5f\0a\d7\ff\74\3c\d2\c1\4b\90\1e\0c\ef\3f\ac\98\92\fa\fb\bd\91\bc\09\1e\d7\5b\c2\12\ef\3f"
    "\b3\0c\af\30\ae\6e\73\3c\9c\52\85\dd\9b\19\ef\3f\94\fd\9f\5c\32\e3\8e\3c\7a\d0\ff\5f\ab\20\ef\3f"
    "\ac\59\09\d1\8f\e0\84\3c\4b\d1\57\2e\f1\27\ef\3f\67\1a\4e\38\af\cd\63\3c\b5\e7\06\94\6d\2f\ef\3f"
    "\68\19\92\6c\2c\6b\67\3c\69\90\ef\dc\20\37\ef\3f\d2\b5\cc\83\18\8a\80\bc\fa\c3\5d\55\0b\3f\ef\3f"
    "\6f\fa\ff\3f\5d\ad\8f\bc\7c\89\07\4a\2d\47\ef\3f\49\a9\75\38\ae\0d\90\bc\f2\89\0d\08\87\4f\ef\3f"
    "\a7\07\3d\a6\85\a3\74\3c\87\a4\fb\dc\18\58\ef\3f\0f\22\40\20\9e\91\82\bc\98\83\c9\16\e3\60\ef\3f"
    "\ac\92\c1\d5\50\5a\8e\3c\85\32\db\03\e6\69\ef\3f\4b\6b\01\ac\59\3a\84\3c\60\b4\01\f3\21\73\ef\3f"
    "\1f\3e\b4\07\21\d5\82\bc\5f\9b\7b\33\97\7c\ef\3f\c9\0d\47\3b\b9\2a\89\bc\29\a1\f5\14\46\86\ef\3f"
    "\d3\88\3a\60\04\b6\74\3c\f6\3f\8b\e7\2e\90\ef\3f\71\72\9d\51\ec\c5\83\3c\83\4c\c7\fb\51\9a\ef\3f"
    "\f0\91\d3\8f\12\f7\8f\bc\da\90\a4\a2\af\a4\ef\3f\7d\74\23\e2\98\ae\8d\bc\f1\67\8e\2d\48\af\ef\3f"
    "\08\20\aa\41\bc\c3\8e\3c\27\5a\61\ee\1b\ba\ef\3f\32\eb\a9\c3\94\2b\84\3c\97\ba\6b\37\2b\c5\ef\3f"
    "\ee\85\d1\31\a9\64\8a\3c\40\45\6e\5b\76\d0\ef\3f\ed\e3\3b\e4\ba\37\8e\bc\14\be\9c\ad\fd\db\ef\3f"
    "\9d\cd\91\4d\3b\89\77\3c\d8\90\9e\81\c1\e7\ef\3f\89\cc\60\41\c1\05\53\3c\f1\71\8f\2b\c2\f3\ef\3f")
  (data (i32.const 3072)
    "\00\00\00\00\00\00\f0\3f\00\00\00\00\00\00\f0\3f\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00"
    "\00\00\00\00\00\20\f0\3f\f0\07\fc\01\7f\c0\ef\3f\89\67\10\6b\2a\e0\7f\3f\bf\1e\71\e3\b7\44\ce\bb"
    "\00\00\00\00\00\40\f0\3f\20\f8\81\1f\f8\81\ef\3f\e4\03\fc\b0\a8\c0\8f\3f\a1\42\96\c5\92\30\18\bc"
    "\00\00\00\00\00\60\f0\3f\71\42\4a\9e\65\44\ef\3f\1b\b1\d5\07\1b\b9\97\3f\10\a5\e3\ac\02\b6\35\bc"
    "\00\00\00\00\00\80\f0\3f\08\1f\7c\f0\c1\07\ef\3f\00\33\78\0e\9b\82\9f\3f\23\ef\f1\04\3f\3e\33\3c"
    "\00\00\00\00\00\a0\f0\3f\c0\ec\01\b3\07\cc\ee\3f\60\bd\fe\b9\87\9e\a3\3f\bb\51\f5\37\a9\bf\45\bc"
    "\00\00\00\00\00\c0\f0\3f\67\b7\f0\ab\31\91\ee\3f\fc\dc\32\f6\58\74\a7\3f\96\92\7b\a8\3c\8d\41\3c"
    "\00\00\00\00\00\e0\f0\3f\74\e5\01\c9\3a\57\ee\3f\bf\71\19\71\dd\42\ab\3f\99\04\13\9c\75\b9\3e\bc"
    "\00\00\00\00\00\00\f1\3f\1e\1e\1e\1e\1e\1e\ee\3f\a6\62\11\c0\30\0a\af\3f\cd\ba\5b\5c\32\5f\48\3c"
    "\00\00\00\00\00\20\f1\3f\8a\86\f8\e3\d6\e5\ed\3f\e1\7a\a3\ee\36\65\b1\3f\da\2c\c2\e8\a3\9d\37\bc"
    "\00\00\00\00\00\40\f1\3f\db\81\b9\76\60\ae\ed\3f\d1\d1\1b\96\d7\41\b3\3f\bb\ec\7b\22\9f\59\5b\bc"
    "\00\00\00\00\00\60\f1\3f\34\2c\b8\54\b6\77\ed\3f\3f\18\06\3f\07\1b\b5\3f\e4\8b\1a\9a\e3\49\5a\3c"
    "\00\00\00\00\00\80\f1\3f\1d\d4\41\1d\d4\41\ed\3f\4c\6b\e5\8a\d2\f0\b6\3f\92\b9\84\91\d9\06\59\bc"
    "\00\00\00\00\00\a0\f1\3f\74\c0\6e\8f\b5\0c\ed\3f\21\9b\31\d6\45\c3\b8\3f\a9\24\34\ab\97\a6\24\bc"
    "\00\00\00\00\00\c0\f1\3f\0b\9b\03\89\56\d8\ec\3f\63\d5\4a\3a\6d\92\ba\3f\a9\0e\a7\8a\f4\42\59\3c"
    "\00\00\00\00\00\e0\f1\3f\91\e1\5e\05\b3\a4\ec\3f\43\c7\5b\8f\54\5e\bc\3f\b1\61\81\ef\17\d6\35\3c"
    "\00\00\00\00\00\00\f2\3f\1c\c7\71\1c\c7\71\ec\3f\e6\f2\2a\6e\07\27\be\3f\62\01\1e\00\78\15\36\bc"
    "\00\00\00\00\00\20\f2\3f\f0\f8\c3\01\8f\3f\ec\3f\bb\ea\db\31\91\ec\bf\3f\6c\b3\81\99\6b\74\55\bc"
    "\00\00\00\00\00\40\f2\3f\e0\c0\81\03\07\0e\ec\3f\59\8e\d0\7c\7e\d7\c0\3f\ac\30\90\5e\dc\a5\69\3c"
    "\00\00\00\00\00\60\f2\3f\f7\06\94\89\2b\dd\eb\3f\a0\67\2f\d5\2a\b7\c1\3f\74\cd\72\34\02\83\54\3c"
    "\00\00\00\00\00\80\f2\3f\d0\ba\c1\14\f9\ac\eb\3f\23\f5\1f\f8\52\95\c2\3f\bf\7d\40\1c\77\01\63\3c"
    "\00\00\00\00\00\a0\f2\3f\8b\33\da\3d\6c\7d\eb\3f\74\8f\1e\20\fc\71\c3\3f\a0\18\af\62\cb\e6\5d\3c"
    "\00\00\00\00\00\c0\f2\3f\4f\1b\e8\b4\81\4e\eb\3f\1e\7d\cb\6c\2b\4d\c4\3f\88\1f\3e\54\f6\f4\69\3c"
    "\00\00\00\00\00\e0\f2\3f\d9\80\6c\40\36\20\eb\3f\38\b4\a1\e3\e5\26\c5\3f\3a\0d\47\8a\ff\46\67\bc"
    "\00\00\00\00\00\00\f3\3f\28\af\a1\bc\86\f2\ea\3f\d4\93\a7\70\30\ff\c5\3f\6e\6f\fc\fa\0e\c6\5b\bc"
    "\00\00\00\00\00\20\f3\3f\1b\70\c5\1a\70\c5\ea\3f\1d\d2\19\e7\0f\d6\c6\3f\79\d1\ec\68\e2\aa\6c\bc"
    "\00\00\00\00\00\40\f3\3f\be\63\6a\60\ef\98\ea\3f\09\d9\10\02\89\ab\c7\3f\08\06\6a\2d\6b\e3\4b\3c"
    "\00\00\00\00\00\60\f3\3f\6d\1a\d0\a6\01\6d\ea\3f\11\c9\20\65\a0\7f\c8\3f\9a\8d\a0\bf\fd\f7\6b\bc"
    "\00\00\00\00\00\80\f3\3f\1a\a4\41\1a\a4\41\ea\3f\b4\56\f4\9c\5a\52\c9\3f\26\2e\4e\1d\4c\90\6d\3c"
    "\00\00\00\00\00\a0\f3\3f\02\4b\7a\f9\d3\16\ea\3f\63\b5\e2\1f\bc\23\ca\3f\8c\99\7a\b0\11\37\49\3c"
    "\00\00\00\00\00\c0\f3\3f\d9\33\10\95\8e\ec\e9\3f\f3\bf\80\4e\c9\f3\ca\3f\85\19\64\f3\cf\98\53\bc"
    "\00\00\00\00\00\e0\f3\3f\02\a1\e4\4e\d1\c2\e9\3f\d6\8c\2d\74\86\c2\cb\3f\55\0f\87\44\e7\fc\54\3c"
    "\00\00\00\00\00\00\f4\3f\9a\99\99\99\99\99\e9\3f\22\9a\9a\c7\f7\8f\cc\3f\12\40\43\f8\89\f6\64\bc"
    "\00\00\00\00\00\20\f4\3f\72\b8\0c\f8\e4\70\e9\3f\91\bb\4f\6b\21\5c\cd\3f\40\4d\7e\59\43\e4\66\3c"
    "\00\00\00\00\00\40\f4\3f\e0\e9\d6\fc\b0\48\e9\3f\e6\f2\2a\6e\07\27\ce\3f\62\01\1e\00\78\15\46\bc"
    "\00\00\00\00\00\60\f4\3f\29\e2\d0\49\fb\20\e9\3f\36\59\dc\cb\ad\f0\ce\3f\0d\c2\0d\95\37\86\64\3c"
    "\00\00\00\00\00\80\f4\3f\fa\18\9c\8f\c1\f9\e8\3f\2b\3e\5e\6d\18\b9\cf\3f\cb\1a\f2\64\ae\aa\6c\bc"
    "\00\00\00\00\00\a0\f4\3f\d3\18\30\8d\01\d3\e8\3f\41\d0\b4\94\25\40\d0\3f\2d\02\a5\17\c2\8e\62\bc"
    "\00\00\00\00\00\c0\f4\3f\aa\f3\6b\0f\b9\ac\e8\3f\e3\90\73\e2\24\a3\d0\3f\03\1c\06\e8\fd\dc\77\3c"
    "\00\00\00\00\00\e0\f4\3f\4a\b0\ab\f0\e5\86\e8\3f\d5\4a\ae\f9\8b\05\d1\3f\1d\b3\4c\ab\a0\9f\58\3c"
    "\00\00\00\00\00\00\f5\3f\18\86\61\18\86\61\e8\3f\0e\a6\ab\ab\5c\67\d1\3f\17\37\88\ab\3e\e6\2c\3c"
    "\00\00\00\00\00\20\f5\3f\dd\be\b2\7a\97\3c\e8\3f\fb\99\69\c1\98\c8\d1\3f\44\1c\ff\2a\c6\e5\30\bc"
    "\00\00\00\00\00\40\f5\3f\18\18\18\18\18\18\e8\3f\66\79\cf\fb\41\29\d2\3f\af\28\96\b0\5e\6f\77\bc"
    "\00\00\00\00\00\60\f5\3f\40\7f\01\fd\05\f4\e7\3f\a3\86\de\13\5a\89\d2\3f\0e\04\3f\c1\24\ad\77\3c"
    "\00\00\00\00\00\80\f5\3f\f4\05\7d\41\5f\d0\e7\3f\31\1d\e1\ba\e2\e8\d2\3f\f9\bd\5e\b9\cd\f4\78\bc"
    "\00\00\00\00\00\a0\f5\3f\c3\ec\e0\08\22\ad\e7\3f\55\7d\98\9a\dd\47\d3\3f\f8\19\09\58\4c\dd\64\bc"
    "\00\00\00\00\00\c0\f5\3f\c8\a4\78\81\4c\8a\e7\3f\ea\45\69\55\4c\a6\d3\3f\7c\f9\45\19\65\68\6c\bc"
    "\00\00\00\00\00\e0\f5\3f\b1\a9\34\e4\dc\67\e7\3f\e4\a7\86\86\30\04\d4\3f\6d\ce\82\60\fb\bc\70\bc"
    "\00\00\00\00\00\00\f6\3f\46\17\5d\74\d1\45\e7\3f\c2\5e\1c\c2\8b\61\d4\3f\1d\cf\ec\cd\de\42\7f\3c"
    "\00\00\00\00\00\20\f6\3f\bc\de\46\7f\28\24\e7\3f\a1\78\77\95\5f\be\d4\3f\3d\81\04\5b\b3\59\62\bc"
    "\00\00\00\00\00\40\f6\3f\70\81\0b\5c\e0\02\e7\3f\2d\f8\2d\87\ad\1a\d5\3f\e3\55\9f\c1\7a\92\43\3c"
    "\00\00\00\00\00\60\f6\3f\c7\37\43\6b\f7\e1\e6\3f\6c\5a\45\17\77\76\d5\3f\0c\66\83\b2\ad\26\75\3c"
    "\00\00\00\00\00\80\f6\3f\17\6c\c1\16\6c\c1\e6\3f\ca\09\58\bf\bd\d1\d5\3f\e1\7f\dc\83\63\23\74\3c"
    "\00\00\00\00\00\a0\f6\3f\90\72\53\d1\3c\a1\e6\3f\95\c7\b9\f2\82\2c\d6\3f\e5\00\53\91\af\b7\67\3c"
    "\00\00\00\00\00\c0\f6\3f\17\68\81\16\68\81\e6\3f\af\14\9b\1e\c8\86\d6\3f\3d\8e\f5\f7\a0\de\6d\bc"
    "\00\00\00\00\00\e0\f6\3f\f9\22\51\6a\ec\61\e6\3f\e4\a1\2b\aa\8e\e0\d6\3f\0f\3a\ca\39\1b\fb\7c\bc"
    "\00\00\00\00\00\00\f7\3f\64\21\0b\59\c8\42\e6\3f\07\d0\bb\f6\d7\39\d7\3f\04\4b\01\eb\6c\c7\78\bc"
    "\00\00\00\00\00\20\f7\3f\40\62\01\77\fa\23\e6\3f\a2\47\dd\5f\a5\92\d7\3f\d7\9e\fe\91\76\05\7f\3c"
    "\00\00\00\00\00\40\f7\3f\06\16\58\60\81\05\e6\3f\c3\af\82\3b\f8\ea\d7\3f\50\29\ed\79\e9\2c\79\3c"
    "\00\00\00\00\00\60\f7\3f\e7\15\d0\b8\5b\e7\e5\3f\17\8b\1e\da\d1\42\d8\3f\76\46\78\19\c5\4e\72\3c"
    "\00\00\00\00\00\80\f7\3f\57\10\93\2b\88\c9\e5\3f\5b\42\c1\86\33\9a\d8\3f\fb\f0\bb\df\39\96\72\bc"
    "\00\00\00\00\00\a0\f7\3f\c0\5a\01\6b\05\ac\e5\3f\c7\62\36\87\1e\f1\d8\3f\a3\61\5a\75\da\85\7f\3c"
    "\00\00\00\00\00\c0\f7\3f\ed\58\81\30\d2\8e\e5\3f\fb\16\21\1c\94\47\d9\3f\e4\bb\e0\ba\c8\6c\71\bc"
    "\00\00\00\00\00\e0\f7\3f\3a\6b\50\3c\ed\71\e5\3f\8b\e0\17\81\95\9d\d9\3f\72\3e\dc\89\68\2b\6a\bc"
    "\00\00\00\00\00\00\f8\3f\55\55\55\55\55\55\e5\3f\4c\98\bf\ec\23\f3\d9\3f\5c\7f\21\13\e5\92\4a\bc"
    "\00\00\00\00\00\20\f8\3f\eb\0f\f4\48\09\39\e5\3f\0a\bb\e5\90\40\48\da\3f\75\5a\87\5b\53\fe\65\3c"
    "\00\00\00\00\00\40\f8\3f\15\f8\e2\ea\07\1d\e5\3f\4a\08\9a\9a\ec\9c\da\3f\af\36\b4\02\ec\ad\7c\bc"
    "\00\00\00\00\00\60\f8\3f\15\50\01\15\50\01\e5\3f\6b\78\47\32\29\f1\da\3f\28\dc\15\4a\84\33\51\3c"
    "\00\00\00\00\00\80\f8\3f\39\05\2f\a7\e0\e5\e4\3f\63\8f\cc\7b\f7\44\db\3f\78\9c\45\95\44\d0\7c\bc"
    "\00\00\00\00\00\a0\f8\3f\6e\af\25\87\b8\ca\e4\3f\fb\10\93\96\58\98\db\3f\c4\3b\e2\53\ec\63\76\3c"
    "\00\00\00\00\00\c0\f8\3f\5b\bf\52\a0\d6\af\e4\3f\7c\1b\a7\9d\4d\eb\db\3f\ca\87\a8\90\c5\f3\40\bc"
    "\00\00\00\00\00\e0\f8\3f\67\d0\b2\e3\39\95\e4\3f\4d\ad\cd\a7\d7\3d\dc\3f\9b\a6\de\52\f0\ec\7c\3c"
    "\00\00\00\00\00\00\f9\3f\7b\14\ae\47\e1\7a\e4\3f\22\9a\9a\c7\f7\8f\dc\3f\12\40\43\f8\89\f6\74\bc"
    "\00\00\00\00\00\20\f9\3f\9a\cf\f5\c7\cb\60\e4\3f\eb\f3\85\0b\af\e1\dc\3f\67\42\ab\f2\4a\df\7e\3c"
    "\00\00\00\00\00\40\f9\3f\fb\d9\62\65\f8\46\e4\3f\d5\eb\00\7e\fe\32\dd\3f\37\fa\fa\32\b2\77\78\3c"
    "\00\00\00\00\00\60\f9\3f\87\1f\d5\25\66\2d\e4\3f\3e\2f\8a\25\e7\83\dd\3f\11\25\bb\e8\56\14\74\3c"
    "\00\00\00\00\00\80\f9\3f\14\14\14\14\14\14\e4\3f\a1\c4\c1\04\6a\d4\dd\3f\92\b8\d8\56\76\46\70\bc"
    "\00\00\00\00\00\a0\f9\3f\fb\13\b0\3f\01\fb\e3\3f\26\6c\7c\1a\88\24\de\3f\46\4a\95\45\8f\bd\5c\3c"
    "\00\00\00\00\00\c0\f9\3f\02\a9\e4\bc\2c\e2\e3\3f\88\87\d6\61\42\74\de\3f\b9\44\c3\90\5c\82\5c\bc"
    "\00\00\00\00\00\e0\f9\3f\e7\ab\7b\a4\95\c9\e3\3f\c0\8c\46\d2\99\c3\de\3f\97\53\f3\53\ee\5c\57\3c"
    "\00\00\00\00\00\00\fa\3f\14\3b\b1\13\3b\b1\e3\3f\ed\06\af\5f\8f\12\df\3f\c3\38\bb\13\df\28\73\bc"
    "\00\00\00\00\00\20\fa\3f\63\7f\18\2c\1c\99\e3\3f\ac\28\70\fa\23\61\df\3f\41\b3\2d\0f\5b\51\78\3c"
    "\00\00\00\00\00\40\fa\3f\14\38\81\13\38\81\e3\3f\1f\f3\78\8f\58\af\df\3f\a0\bc\8a\0d\26\28\63\bc"
    "\00\00\00\00\00\60\fa\3f\48\07\de\f3\8d\69\e3\3f\98\f4\57\08\2e\fd\df\3f\af\21\93\0d\f4\65\75\3c"
    "\00\00\00\00\00\80\fa\3f\c1\78\2b\fb\1c\52\e3\3f\ff\d0\a5\a5\52\25\e0\3f\00\8c\40\51\cb\b1\7c\bc"
    "\00\00\00\00\00\a0\fa\3f\b2\bc\57\5b\e4\3a\e3\3f\d2\26\a9\9d\df\4b\e0\3f\df\c9\22\40\30\7f\89\3c"
    "\00\00\00\00\00\c0\fa\3f\bf\10\2b\4a\e3\23\e3\3f\40\df\1c\5c\3e\72\e0\3f\bb\45\24\8e\e5\95\83\3c"
    "\00\00\00\00\00\e0\fa\3f\90\d1\30\01\19\0d\e3\3f\21\35\57\4f\6f\98\e0\3f\01\2f\c0\5a\09\b8\81\bc"
    "\00\00\00\00\00\00\fb\3f\68\2f\a1\bd\84\f6\e2\3f\83\2a\25\e4\72\be\e0\3f\01\08\33\11\da\59\82\bc"
    "\00\00\00\00\00\20\fb\3f\97\80\4b\c0\25\e0\e2\3f\8c\cc\d1\85\49\e4\e0\3f\84\d3\d2\42\34\2a\52\bc"
    "\00\00\00\00\00\40\fb\3f\a0\2c\81\4d\fb\c9\e2\3f\97\4c\2d\9e\f3\09\e1\3f\3a\37\a4\27\9b\e0\30\bc"
    "\00\00\00\00\00\60\fb\3f\40\2b\01\ad\04\b4\e2\3f\bc\ef\93\95\71\2f\e1\3f\35\f4\71\c6\48\c0\84\3c"
    "\00\00\00\00\00\80\fb\3f\9e\12\e4\29\41\9e\e2\3f\ea\d5\f4\d2\c3\54\e1\3f\76\68\1a\17\33\9c\85\bc"
    "\00\00\00\00\00\a0\fb\3f\13\b0\88\12\b0\88\e2\3f\a1\99\d8\bb\ea\79\e1\3f\b4\e0\17\64\7c\0e\80\bc"
    "\00\00\00\00\00\c0\fb\3f\35\27\81\b8\50\73\e2\3f\6f\c9\67\b4\e6\9e\e1\3f\0c\f1\43\14\a1\d1\79\bc"
    "\00\00\00\00\00\e0\fb\3f\f1\92\80\70\22\5e\e2\3f\25\3c\71\1f\b8\c3\e1\3f\e9\10\c8\c4\c1\da\80\bc"
    "\00\00\00\00\00\00\fc\3f\92\24\49\92\24\49\e2\3f\d0\40\70\5e\5f\e8\e1\3f\e3\f1\f9\d2\2c\f6\7e\3c"
    "\00\00\00\00\00\20\fc\3f\df\bc\9a\78\56\34\e2\3f\6e\ab\92\d1\dc\0c\e2\3f\14\90\22\bc\f0\2b\8b\bc"
    "\00\00\00\00\00\40\fc\3f\78\fb\21\81\b7\1f\e2\3f\43\bf\be\d7\30\31\e2\3f\6e\4d\37\5e\72\48\8f\bc"
    "\00\00\00\00\00\60\fc\3f\d9\c0\67\0c\47\0b\e2\3f\cb\f7\98\ce\5b\55\e2\3f\e7\81\68\6d\1d\02\7e\3c"
    "\00\00\00\00\00\80\fc\3f\70\1f\c1\7d\04\f7\e1\3f\1b\b1\89\12\5e\79\e2\3f\8e\97\46\c2\c0\87\64\bc"
    "\00\00\00\00\00\a0\fc\3f\74\b8\3f\3b\ef\e2\e1\3f\8b\b0\c2\fe\37\9d\e2\3f\82\19\2d\9a\94\d1\7b\bc"
    "\00\00\00\00\00\c0\fc\3f\1d\81\a2\ad\06\cf\e1\3f\8c\8e\44\ed\e9\c0\e2\3f\86\75\91\f3\58\a1\81\bc"
    "\00\00\00\00\00\e0\fc\3f\29\ed\46\40\4a\bb\e1\3f\68\02\e4\36\74\e4\e2\3f\6b\88\a4\61\08\15\80\3c"
    "\00\00\00\00\00\00\fd\3f\96\7b\1a\61\b9\a7\e1\3f\be\10\4f\33\d7\07\e3\3f\da\66\f5\a1\90\b5\6f\3c"
    "\00\00\00\00\00\20\fd\3f\9c\a2\8c\80\53\94\e1\3f\71\1d\12\39\13\2b\e3\3f\6b\91\3d\5b\ab\02\79\3c"
    "\00\00\00\00\00\40\fd\3f\12\18\81\11\18\81\e1\3f\d3\e1\9c\9d\28\4e\e3\3f\4f\ce\85\d8\92\eb\66\3c"
    "\00\00\00\00\00\60\fd\3f\79\73\42\89\06\6e\e1\3f\b6\47\47\b5\17\71\e3\3f\03\91\dd\db\7e\11\7d\bc"
    "\00\00\00\00\00\80\fd\3f\0d\27\75\5f\1e\5b\e1\3f\1a\2a\56\d3\e0\93\e3\3f\3a\48\f2\67\ef\8e\85\bc"
    "\00\00\00\00\00\a0\fd\3f\3b\cd\0a\0e\5f\48\e1\3f\23\fc\ff\49\84\b6\e3\3f\26\9b\9e\4f\48\1c\84\bc"
    "\00\00\00\00\00\c0\fd\3f\11\c8\35\11\c8\35\e1\3f\fb\56\71\6a\02\d9\e3\3f\62\4b\bd\70\f6\fe\86\bc"
    "\00\00\00\00\00\e0\fd\3f\33\30\5d\e7\58\23\e1\3f\42\6f\d1\84\5b\fb\e3\3f\ef\2a\17\54\a7\d3\86\3c"
    "\00\00\00\00\00\00\fe\3f\11\11\11\11\11\11\e1\3f\ae\72\46\e8\8f\1d\e4\3f\06\18\bd\30\2f\19\89\3c"
    "\00\00\00\00\00\20\fe\3f\11\f0\fe\10\f0\fe\e0\3f\67\ce\f9\e2\9f\3f\e4\3f\86\3b\d8\e6\9e\9c\8e\3c"
    "\00\00\00\00\00\40\fe\3f\90\9c\e6\6b\f5\ec\e0\3f\c2\5e\1c\c2\8b\61\e4\3f\1d\cf\ec\cd\de\42\8f\3c"
    "\00\00\00\00\00\60\fe\3f\96\46\8f\a8\20\db\e0\3f\df\88\ea\d1\53\83\e4\3f\f4\07\cc\2e\7a\f5\8c\3c"
    "\00\00\00\00\00\80\fe\3f\3b\da\bc\4f\71\c9\e0\3f\bb\3e\b0\5d\f8\a4\e4\3f\b6\61\37\3d\fa\3d\31\3c"
    "\00\00\00\00\00\a0\fe\3f\c8\9d\25\ec\e6\b7\e0\3f\3a\ee\cc\af\79\c6\e4\3f\41\9e\b3\c8\c4\a5\83\bc"
    "\00\00\00\00\00\c0\fe\3f\a7\10\68\0a\81\a6\e0\3f\b1\5b\b7\11\d8\e7\e4\3f\a9\9e\6e\ea\d9\d3\88\bc"
    "\00\00\00\00\00\e0\fe\3f\54\09\01\39\3f\95\e0\3f\6b\68\01\cc\13\09\e5\3f\b1\d5\c2\96\ce\f2\82\3c"
    "\00\00\00\00\00\00\ff\3f\84\10\42\08\21\84\e0\3f\ab\c5\5b\26\2d\2a\e5\3f\0a\4d\ea\50\37\88\61\bc"
    "\00\00\00\00\00\20\ff\3f\c6\f7\47\0a\26\73\e0\3f\98\94\99\67\24\4b\e5\3f\f4\09\2f\5d\af\ba\85\bc"
    "\00\00\00\00\00\40\ff\3f\fc\a9\f1\d2\4d\62\e0\3f\99\f3\b3\d5\f9\6b\e5\3f\f3\8f\cd\85\18\47\80\3c"
    "\00\00\00\00\00\60\ff\3f\04\34\d7\f7\97\51\e0\3f\89\79\cd\b5\ad\8c\e5\3f\58\84\c9\2e\79\49\78\3c"
    "\00\00\00\00\00\80\ff\3f\10\04\41\10\04\41\e0\3f\2d\9f\35\4c\40\ad\e5\3f\96\71\3f\68\55\59\43\bc"
    "\00\00\00\00\00\a0\ff\3f\1a\5e\1f\b5\91\30\e0\3f\65\17\6c\dc\b1\cd\e5\3f\f4\3d\8a\0e\47\c2\8c\bc"
    "\00\00\00\00\00\c0\ff\3f\08\04\02\81\40\20\e0\3f\75\16\24\a9\02\ee\e5\3f\82\90\f4\57\82\35\8c\3c"
    "\00\00\00\00\00\e0\ff\3f\10\10\10\10\10\10\e0\3f\d9\88\47\f4\32\0e\e6\3f\9b\58\fa\52\bb\c1\7a\bc"
    "\00\00\00\00\00\00\00\40\00\00\00\00\00\00\e0\3f\ef\39\fa\fe\42\2e\e6\3f\3f\80\39\3b\9e\bc\7a\3c")
  ;; END TABLES
)
