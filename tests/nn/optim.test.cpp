// SPDX-License-Identifier: MIT
// Optimisers: three steps against numbers computed independently, no allocation after the
// first step, refusal of mismatched inputs, and state export/import.
#include <typegrad/nn/optim.hpp>

#include <doctest/doctest.h>
#include <support/allocation_counter.hpp>

#include <array>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

namespace nn = typegrad::nn;

// The allocation test counts operator new (support/allocation_counter.cpp), which is where
// xtensor's default storage allocates:
static_assert(
    std::is_same_v<xt::xtensor<float, 2>::storage_type::allocator_type, std::allocator<float>>,
    "xtensor must allocate through operator new for the allocation test to see it");

namespace {

// The same 2×2 parameter and three gradients everywhere below: values with enough digits
// that fusing a multiply-add, or any other change of rounding, shows in the results.
constexpr std::array<double, 4> theta0{0.4736, -1.2913, 2.0571, 0.3329};
constexpr std::array<std::array<double, 4>, 3> grads{{
    {0.1837, -0.2719, 0.3061, 0.4452},
    {-0.5123, 0.2468, 0.1357, -0.9876},
    {0.0629, 0.5311, -0.3047, 0.2213},
}};

template <class T>
xt::xtensor<T, 2> matrix(const std::array<double, 4>& v) {
    return xt::xtensor<T, 2>{{static_cast<T>(v[0]), static_cast<T>(v[1])},
                             {static_cast<T>(v[2]), static_cast<T>(v[3])}};
}

// Runs `opt` for three steps from theta0 and returns θ after each step.
template <class T, class Optimiser>
std::array<xt::xtensor<T, 2>, 3> run(Optimiser& opt) {
    xt::xtensor<T, 2> theta = matrix<T>(theta0);
    const std::vector<nn::parameter<T>> params{{"theta", &theta}};
    std::array<xt::xtensor<T, 2>, 3> out;
    for (std::size_t t = 0; t < 3; ++t) {
        const xt::xtensor<T, 2> g = matrix<T>(grads[t]);
        const std::array<const xt::xtensor<T, 2>*, 1> gs{&g};
        opt.step(params, gs);
        out[t] = theta;
    }
    return out;
}

// θ after each step must equal `expected` exactly (same bits).
template <class T>
void check_exact(const std::array<xt::xtensor<T, 2>, 3>& got,
                 const std::array<std::array<T, 4>, 3>& expected) {
    for (std::size_t t = 0; t < 3; ++t)
        for (std::size_t k = 0; k < 4; ++k) {
            CAPTURE(t);
            CAPTURE(k);
            CHECK(got[t].data()[k] == expected[t][k]);
        }
}

template <class T>
void check_near(const std::array<xt::xtensor<T, 2>, 3>& got,
                const std::array<std::array<long double, 4>, 3>& expected, long double tolerance) {
    for (std::size_t t = 0; t < 3; ++t)
        for (std::size_t k = 0; k < 4; ++k) {
            CAPTURE(t);
            CAPTURE(k);
            CHECK(std::fabs(static_cast<long double>(got[t].data()[k]) - expected[t][k]) <=
                  tolerance);
        }
}

// The textbook formulas, in long double, written independently of the library's loops.
std::array<std::array<long double, 4>, 3> sgd_reference(long double lr, long double mu,
                                                        long double wd) {
    std::array<std::array<long double, 4>, 3> out{};
    std::array<long double, 4> theta{}, v{};
    std::copy(theta0.begin(), theta0.end(), theta.begin());
    for (std::size_t t = 0; t < 3; ++t) {
        for (std::size_t k = 0; k < 4; ++k) {
            const long double g = grads[t][k] + wd * theta[k];
            v[k] = t == 0 ? g : mu * v[k] + g;
            theta[k] -= lr * v[k];
        }
        out[t] = theta;
    }
    return out;
}

std::array<std::array<long double, 4>, 3>
adam_reference(long double lr, long double b1, long double b2, long double eps, long double wd) {
    std::array<std::array<long double, 4>, 3> out{};
    std::array<long double, 4> theta{}, m{}, v{};
    std::copy(theta0.begin(), theta0.end(), theta.begin());
    for (std::size_t t = 0; t < 3; ++t) {
        for (std::size_t k = 0; k < 4; ++k) {
            const long double g = grads[t][k] + wd * theta[k];
            m[k] = b1 * m[k] + (1 - b1) * g;
            v[k] = b2 * v[k] + (1 - b2) * g * g;
            const long double m_hat = m[k] / (1 - std::pow(b1, static_cast<long double>(t + 1)));
            const long double v_hat = v[k] / (1 - std::pow(b2, static_cast<long double>(t + 1)));
            theta[k] -= lr * m_hat / (std::sqrt(v_hat) + eps);
        }
        out[t] = theta;
    }
    return out;
}

std::string error_of(auto&& f) {
    try {
        f();
    } catch (const nn::optimiser_error& e) {
        return e.what();
    }
    FAIL("no optimiser_error thrown");
    return {};
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

// The exact expectations below were computed once with python3 (no numpy/torch available)
// by emulating torch.optim's single-tensor CPU code, operation by operation, in the order its
// kernels round: lerp_, mul_, addcmul_, sqrt, div, add_, addcdiv_ (Adam); add, mul_, add_,
// add_ (SGD); derived scalars (bias corrections, step size) in double as Python floats.
// Float32 was emulated by rounding every double result to float32 with struct.pack('<f'),
// which is exact for + − × ÷ √. The script is at the end of this file. These inputs are
// sensitive: compiled with FMA contraction, src/nn/optim.cpp misses several of them.

TEST_CASE("sgd with momentum and weight decay makes torch.optim.SGD's updates bit for bit") {
    // lr 0.1, momentum 0.9, weight decay 0.01: g += 0.01θ; v = g, then 0.9v + g; θ += (−0.1)v.
    nn::sgd<float> f({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
    check_exact<float>(run<float>(f), {{{0.454756409f, -1.26281881f, 2.0244329f, 0.288047075f},
                                        {0.488572419f, -1.26060283f, 1.97943807f, 0.346151412f},
                                        {0.512228251f, -1.31045783f, 1.96743333f, 0.375969172f}}});
    nn::sgd<double> d({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
    check_exact<double>(
        run<double>(d),
        {{{0.4547564, -1.2628187, 2.0244329000000003, 0.2880471},
          {0.4885724036, -1.2606027113, 1.9794380771000004, 0.3461514429},
          {0.5122282344364, -1.3104577187587, 1.9674332984129004, 0.3759692000671}}});
}

TEST_CASE("plain sgd makes torch.optim.SGD's updates bit for bit") {
    nn::sgd<float> f({.lr = 0.1});
    check_exact<float>(run<float>(f), {{{0.455229998f, -1.26411009f, 2.02648997f, 0.288379997f},
                                        {0.506460011f, -1.28879011f, 2.0129199f, 0.387140006f},
                                        {0.500169992f, -1.34190011f, 2.0433898f, 0.365009993f}}});
    nn::sgd<double> d({.lr = 0.1});
    check_exact<double>(run<double>(d),
                        {{{0.45523, -1.2641099999999998, 2.0264900000000003, 0.28837999999999997},
                          {0.50646, -1.2887899999999999, 2.0129200000000003, 0.38714},
                          {0.50017, -1.3418999999999999, 2.0433900000000005, 0.36501}}});
}

TEST_CASE("adam with weight decay makes torch.optim.Adam's updates bit for bit") {
    // lr 0.01, betas (0.9, 0.999), eps 1e-8, weight decay 0.01 (lerp_ weight 0.1 < 0.5).
    const nn::adam<float>::options of{
        .lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0.01};
    nn::adam<float> f(of);
    check_exact<float>(run<float>(f), {{{0.46360001f, -1.28130007f, 2.04710007f, 0.322899997f},
                                        {0.468246043f, -1.28084886f, 2.03784442f, 0.326894969f},
                                        {0.471018195f, -1.2858541f, 2.03616667f, 0.328619331f}}});
    nn::adam<double> d(
        {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0.01});
    check_exact<double>(
        run<double>(d),
        {{{0.4636000005306842, -1.2813000003511075, 2.0471000003061186, 0.322900000222951},
          {0.46824604038652856, -1.2808487704997484, 2.0378444120102097, 0.3268949808107167},
          {0.4710181989979812, -1.2858539739624326, 2.0361667477539163, 0.32861935227374783}}});
}

TEST_CASE("adam with a small beta1 takes lerp's other form and still matches bit for bit") {
    // lr 0.05, betas (0.3, 0.5), eps 1e-3, no weight decay: lerp_ weight 0.7 >= 0.5, so
    // torch computes m = g − (g − m)(1 − 0.7).
    nn::adam<float> f({.lr = 0.05, .beta1 = 0.3, .beta2 = 0.5, .eps = 1e-3});
    check_exact<float>(run<float>(f), {{{0.423870713f, -1.24148321f, 2.00726295f, 0.283012033f},
                                        {0.464525282f, -1.2662648f, 1.96550882f, 0.321777374f},
                                        {0.473816931f, -1.31418169f, 1.99715364f, 0.323943466f}}});
    nn::adam<double> d({.lr = 0.05, .beta1 = 0.3, .beta2 = 0.5, .eps = 1e-3});
    check_exact<double>(
        run<double>(d),
        {{{0.42387070925825665, -1.2414832172957126, 2.0072628134158257, 0.28301205737337515},
          {0.4645252936280836, -1.2662647600789592, 1.9655086278698757, 0.3217773872750915},
          {0.47381694940252933, -1.314181617386504, 1.9971533933516612, 0.32394347393337897}}});
}

TEST_CASE("the optimisers agree with the textbook formulas computed in long double") {
    // Tolerances: three steps of O(1) values accumulate a few roundings each, so 1e-6 for
    // float (ε ≈ 6e-8) and 1e-14 for double (ε ≈ 1e-16).
    const auto sgd_expected = sgd_reference(0.1L, 0.9L, 0.01L);
    nn::sgd<float> sf({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
    nn::sgd<double> sd({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
    check_near<float>(run<float>(sf), sgd_expected, 1e-6L);
    check_near<double>(run<double>(sd), sgd_expected, 1e-14L);

    const auto adam_expected = adam_reference(0.01L, 0.9L, 0.999L, 1e-8L, 0.01L);
    nn::adam<float> af(
        {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0.01});
    nn::adam<double> ad(
        {.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0.01});
    check_near<float>(run<float>(af), adam_expected, 1e-6L);
    check_near<double>(run<double>(ad), adam_expected, 1e-14L);
}

TEST_CASE("after the first step, a step allocates nothing") {
    xt::xtensor<float, 2> w({64, 32}, 0.5f), b({64, 1}, 0.0f), gw({64, 32}, 0.01f),
        gb({64, 1}, -0.02f);
    const std::vector<nn::parameter<float>> params{{"a fairly long parameter name W", &w},
                                                   {"b", &b}};
    const std::array<const xt::xtensor<float, 2>*, 2> gs{&gw, &gb};
    nn::adam<float> adam({.weight_decay = 0.01});
    nn::sgd<float> sgd({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
    const long at_start = typegrad::testing::allocations();
    adam.step(params, gs);
    sgd.step(params, gs);
    const long before = typegrad::testing::allocations();
    CHECK(before > at_start); // the first step creates the state, and the counter sees it
    for (int i = 0; i < 5; ++i) {
        adam.step(params, gs);
        sgd.step(params, gs);
    }
    CHECK(typegrad::testing::allocations() == before);
}

TEST_CASE("mismatched gradients are refused before any parameter changes") {
    xt::xtensor<double, 2> a({2, 2}, 1.0), b({2, 3}, 1.0), ga({2, 2}, 0.5), gb_wrong({3, 2}, 0.5);
    const std::vector<nn::parameter<double>> params{{"a", &a}, {"b", &b}};
    nn::adam<double> adam({});
    const std::array<const xt::xtensor<double, 2>*, 2> wrong{&ga, &gb_wrong};
    CHECK(error_of([&] { adam.step(params, wrong); }) ==
          "adam::step: parameter \"b\" has shape (2, 3) but its gradient has shape (3, 2)");
    CHECK(a == xt::xtensor<double, 2>({2, 2}, 1.0)); // "a" came first and was not updated
    const std::array<const xt::xtensor<double, 2>*, 1> too_few{&ga};
    CHECK(error_of([&] { adam.step(params, too_few); }) ==
          "adam::step: 2 parameters but 1 gradients");
}

TEST_CASE("a parameter name used twice is refused, since state is keyed by name") {
    xt::xtensor<float, 2> a({1, 1}, 1.0f), b({1, 1}, 2.0f), g({1, 1}, 0.5f);
    const std::vector<nn::parameter<float>> params{{"w", &a}, {"w", &b}};
    const std::array<const xt::xtensor<float, 2>*, 2> gs{&g, &g};
    nn::sgd<float> sgd({.lr = 0.1, .momentum = 0.9});
    CHECK(contains(error_of([&] { sgd.step(params, gs); }), "parameter name \"w\" appears twice"));
    nn::adam<float> adam({});
    CHECK(contains(error_of([&] { adam.step(params, gs); }), "parameter name \"w\" appears twice"));
    CHECK(a(0, 0) == 1.0f);
}

TEST_CASE("invalid hyper-parameters are refused") {
    CHECK(contains(error_of([] { nn::adam<float>({.beta1 = 1.0}); }), "adam: invalid beta1"));
    CHECK(contains(error_of([] { nn::sgd<float>({.lr = -1}); }), "sgd: invalid lr"));
    CHECK(contains(error_of([] { nn::adam<double>({.eps = std::nan("")}); }), "adam: invalid eps"));
}

TEST_CASE("an optimiser restored from exported state continues exactly like the original") {
    const auto continue_after_two = [](auto make) {
        using T = float;
        xt::xtensor<T, 2> theta = matrix<T>(theta0), twin;
        const std::vector<nn::parameter<T>> params{{"theta", &theta}};
        auto original = make();
        for (std::size_t t = 0; t < 2; ++t) {
            const xt::xtensor<T, 2> g = matrix<T>(grads[t]);
            const std::array<const xt::xtensor<T, 2>*, 1> gs{&g};
            original.step(params, gs);
        }
        const auto saved = original.state();
        twin = theta;
        const std::vector<nn::parameter<T>> twin_params{{"theta", &twin}};
        auto restored = make();
        restored.load_state(saved, twin_params);
        const xt::xtensor<T, 2> g = matrix<T>(grads[2]);
        const std::array<const xt::xtensor<T, 2>*, 1> gs{&g};
        original.step(params, gs);
        restored.step(twin_params, gs);
        CHECK(twin == theta);
        return saved;
    };
    const auto adam_state = continue_after_two(
        [] { return nn::adam<float>({.lr = 0.05, .beta1 = 0.3, .beta2 = 0.5}); });
    CHECK(adam_state.kind == "adam");
    CHECK(adam_state.tensors.size() == 2);
    const auto sgd_state =
        continue_after_two([] { return nn::sgd<float>({.lr = 0.1, .momentum = 0.9}); });
    CHECK(sgd_state.kind == "sgd");
    CHECK(sgd_state.tensors.size() == 1);
    CHECK(sgd_state.tensors[0].name == "theta/momentum_buffer");
}

TEST_CASE("a state that does not fit is refused, naming what is wrong, and nothing changes") {
    xt::xtensor<float, 2> theta = matrix<float>(theta0), g = matrix<float>(grads[0]);
    const std::vector<nn::parameter<float>> params{{"theta", &theta}};
    const std::array<const xt::xtensor<float, 2>*, 1> gs{&g};
    nn::adam<float> source({.lr = 0.02});
    source.step(params, gs);
    const nn::optimiser_state<float> good = source.state();

    nn::adam<float> target({.lr = 0.5});
    const auto refused = [&](nn::optimiser_state<float> bad, const std::string& message) {
        CHECK(contains(error_of([&] { target.load_state(bad, params); }), message));
        CHECK(target.hyper_parameters().lr == 0.5); // unchanged
        CHECK(target.state().tensors.empty());
    };

    auto wrong_kind = good;
    wrong_kind.kind = "sgd";
    refused(wrong_kind, "adam::load_state: the state is for \"sgd\", not \"adam\"");

    auto wrong_shape = good;
    wrong_shape.tensors[0].value = xt::xtensor<float, 2>({3, 1}, 0.0f);
    refused(wrong_shape,
            "tensor \"theta/exp_avg\" has shape (3, 1) but parameter \"theta\" has shape (2, 2)");

    auto no_lr = good;
    std::erase_if(no_lr.scalars, [](const auto& s) { return s.name == "lr"; });
    refused(no_lr, "the state has no scalar \"lr\"");

    auto stranger = good;
    stranger.tensors.push_back({"phi/exp_avg", xt::xtensor<float, 2>({1, 1}, 0.0f)});
    refused(stranger, "tensor \"phi/exp_avg\" does not belong to any parameter given");

    auto half = good;
    std::erase_if(half.tensors, [](const auto& t) { return t.name == "theta/exp_avg_sq"; });
    refused(half, "parameter \"theta\" needs all of exp_avg, exp_avg_sq and step");

    target.load_state(good, params);
    CHECK(target.hyper_parameters().lr == 0.02);
}

// The script that computed the exact expectations (python3, standard library only):
//
//   import struct, math
//   def f32(x): return struct.unpack('<f', struct.pack('<f', x))[0]
//   def ident(x): return x
//   theta0 = [0.4736, -1.2913, 2.0571, 0.3329]
//   grads = [[0.1837, -0.2719, 0.3061, 0.4452], [-0.5123, 0.2468, 0.1357, -0.9876],
//            [0.0629, 0.5311, -0.3047, 0.2213]]
//   def sgd(r, lr, mu, wd):
//       p = [r(x) for x in theta0]; buf = None; out = []
//       for gs in grads:
//           g = [r(x) for x in gs]
//           if wd != 0: g = [r(gi + r(r(wd) * pi)) for gi, pi in zip(g, p)]
//           if mu != 0:
//               buf = list(g) if buf is None else [r(r(b * r(mu)) + gi) for b, gi in zip(buf, g)]
//               g = buf
//           p = [r(pi + r(r(-lr) * gi)) for pi, gi in zip(p, g)]
//           out.append(p)
//       return out
//   def adam(r, lr, b1, b2, eps, wd):
//       p = [r(x) for x in theta0]; m = [0.0] * 4; v = [0.0] * 4; out = []
//       for t, gs in enumerate(grads, 1):
//           g = [r(x) for x in gs]
//           if wd != 0: g = [r(gi + r(r(wd) * pi)) for gi, pi in zip(g, p)]
//           w = r(1 - b1)
//           if abs(w) < 0.5: m = [r(mi + r(w * r(gi - mi))) for mi, gi in zip(m, g)]
//           else: m = [r(gi - r(r(gi - mi) * r(1 - w))) for mi, gi in zip(m, g)]
//           v = [r(vi * r(b2)) for vi in v]
//           v = [r(vi + r(r(r(1 - b2) * gi) * gi)) for vi, gi in zip(v, g)]
//           step = lr / (1 - b1 ** t); bc2s = math.sqrt(1 - b2 ** t)
//           denom = [r(r(r(math.sqrt(vi)) / r(bc2s)) + r(eps)) for vi in v]
//           p = [r(pi + r(r(r(-step) * mi) / di)) for pi, mi, di in zip(p, m, denom)]
//           out.append(p)
//       return out
//   for r, fmt in [(f32, lambda x: '%.9gf' % x), (ident, repr)]:
//       for steps in [sgd(r, 0.1, 0.9, 0.01), sgd(r, 0.1, 0, 0), adam(r, 0.01, 0.9, 0.999, 1e-8,
//       0.01),
//                     adam(r, 0.05, 0.3, 0.5, 1e-3, 0)]:
//           for s in steps: print('{' + ', '.join(fmt(x) for x in s) + '},')
