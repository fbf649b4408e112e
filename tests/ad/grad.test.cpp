// SPDX-License-Identifier: MIT
// Reverse mode on types: a node used several times is one node whose adjoint sums
// over its consumers, a symbol f does not depend on gets a zero gradient of its
// own shape, and a derived gradient can be differentiated again.
#include <cmath>

#include <support/finite_differences.hpp>

namespace tg = typegrad;
using namespace tg::literals;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto x = tg::var<"x">;
constexpr auto w = tg::var<"w">;
constexpr auto s = tg::scalar<"s">;
constexpr auto b = tg::col<"b">;
constexpr auto r = tg::row<"r">;
} // namespace

TEST_CASE("a node used several times is one node, and its adjoint sums every use") {
    constexpr auto a = tg::sigmoid(x);
    constexpr auto f = tg::sum(w * (a * a + tg::exp(a) - tg::matmul(a, tg::transpose(a))));
    // a appears five times in f but once in its topological order: x, w, a, a ⊙ a,
    // exp(a), aᵀ, a aᵀ, +, −, w ⊙ (…), Σ
    using order = tg::topological_order<std::remove_const_t<decltype(f)>>;
    static_assert(order::size == 11);
    auto X = random_matrix(3, 3, -1, 1, 7), W = random_matrix(3, 3, -1, 1, 8);
    auto v = tg::values(x = X, w = W);
    check_gradient(f, v, std::tuple{x}, std::tie(X));
}

TEST_CASE("a symbol the function does not depend on gets a zero gradient of its own shape") {
    constexpr auto unused = tg::var<"unused">;
    xt::xtensor<double, 2> X = {{1, 2}}, U = {{1, 2, 3}, {4, 5, 6}};
    auto g = tg::eval(tg::grad(tg::sum(x * x), x, unused), tg::values(x = X, unused = U));
    CHECK(g[unused] == xt::zeros<double>({2, 3}));
    CHECK(g[x] == xt::xtensor<double, 2>{{2, 4}});
}

TEST_CASE("the gradient of a gradient: second derivatives of a scalar function") {
    constexpr auto t = tg::scalar<"t">;
    constexpr auto f = s * t + tg::sin(s) * tg::exp(t);
    constexpr auto df_ds = tg::grad(f, s)[s];           // t + cos(s) e^t
    constexpr auto d2f_ds2 = tg::grad(df_ds, s)[s];     // −sin(s) e^t
    constexpr auto d2f_dsdt = tg::grad(df_ds, t)[t];    // 1 + cos(s) e^t
    const double sv = 0.7, tv = -0.3;
    auto v = tg::values(s = sv, t = tv);
    CHECK(tg::eval(df_ds, v)(0, 0) == doctest::Approx(tv + std::cos(sv) * std::exp(tv)).epsilon(1e-14));
    CHECK(tg::eval(d2f_ds2, v)(0, 0) == doctest::Approx(-std::sin(sv) * std::exp(tv)).epsilon(1e-14));
    CHECK(tg::eval(d2f_dsdt, v)(0, 0) == doctest::Approx(1 + std::cos(sv) * std::exp(tv)).epsilon(1e-14));
}

TEST_CASE("second derivatives through matrices: the Hessian-vector product of a sigmoid layer") {
    // f(W) = Σ σ(W x) ⊙ u ; g(W) = Σ ∂f/∂W ⊙ V ; ∂g/∂W = H V, checked by differences of g.
    constexpr auto W = tg::var<"W">;
    constexpr auto u = tg::var<"u">;
    constexpr auto V = tg::var<"V">;
    constexpr auto f = tg::sum(u * tg::sigmoid(tg::matmul(W, x)));
    constexpr auto g = tg::sum(tg::grad(f, W)[W] * V);
    auto Wv = random_matrix(3, 4, -1, 1, 1), X = random_matrix(4, 5, -1, 1, 2);
    auto U = random_matrix(3, 5, -1, 1, 3), Vv = random_matrix(3, 4, -1, 1, 4);
    auto v = tg::values(W = Wv, x = X, u = U, V = Vv);
    check_gradient(g, v, std::tuple{W}, std::tie(Wv));
}

TEST_CASE("float and double evaluate the same graph and agree to float precision") {
    constexpr auto W = tg::var<"W">;
    constexpr auto y = tg::var<"y">;
    constexpr auto J = tg::binary_cross_entropy(tg::sigmoid(tg::matmul(W, x)), y);
    auto Wd = random_matrix(3, 4, -1, 1, 1), Xd = random_matrix(4, 6, -1, 1, 2), Yd = random_matrix(3, 6, 0, 1, 3);
    xt::xtensor<float, 2> Wf = xt::cast<float>(Wd), Xf = xt::cast<float>(Xd), Yf = xt::cast<float>(Yd);
    auto gd = tg::eval(tg::grad(J, W), tg::values(W = Wd, x = Xd, y = Yd));
    auto gf = tg::eval(tg::grad(J, W), tg::values(W = Wf, x = Xf, y = Yf));
    // The inputs differ by float rounding (2⁻²⁴ relative), amplified by a handful of
    // operations: 1e-5 relative to the largest entry is ~100 ulps of float.
    const double scale = xt::amax(xt::abs(gd[W]))();
    for (std::size_t i = 0; i < gd[W].size(); ++i)
        CHECK(std::abs(gd[W].data()[i] - double(gf[W].data()[i])) <= 1e-5 * scale);
    CHECK(std::abs(gd.value() - double(gf.value())) <= 1e-5 * gd.value());
}

TEST_CASE("an operand broadcast under a reduction gets the broadcast extent as a factor") {
    // ∂/∂s Σ(s + A) = rows·cols: the adjoint 1 of Σ stands for a matrix of ones, and
    // the broadcast s receives their sum. The first checks are exact integers, so a
    // missing factor cannot hide inside a tolerance.
    xt::xtensor<double, 2> S = {{0.5}}, B = {{1}, {2}}, R = {{1, 2, 3}}, A = random_matrix(2, 3, -1, 1, 11);
    auto v = tg::values(s = S, b = B, r = R, x = A);
    CHECK(tg::eval(tg::grad(tg::sum(s + x), s)[s], v)(0, 0) == 6);
    CHECK(tg::eval(tg::grad(tg::sum(x - s), s)[s], v)(0, 0) == -6);
    CHECK(tg::eval(tg::grad(tg::mean(s - x), s)[s], v)(0, 0) == doctest::Approx(1).epsilon(1e-15));
    CHECK(tg::eval(tg::grad(tg::sum(b + x), b)[b], v) == xt::xtensor<double, 2>{{3}, {3}});
    CHECK(tg::eval(tg::grad(tg::sum(r * s), s)[s], v)(0, 0) == 6);
    CHECK(tg::eval(tg::grad(tg::sum(tg::expand(s, x)), s)[s], v)(0, 0) == 6);
    check_gradient(tg::sum(tg::sin(s + x) * (b - s) + r / (s + 2_c)), v, std::tuple{s, b, r}, std::tie(S, B, R));
}

TEST_CASE("each use's contribution is fitted to the node's shape before the uses are summed") {
    // Σ(r ⊙ s) ⊙ s reads s once broadcast against the row r and once as a scalar:
    // ∂/∂s = 2 s Σr = 2·0.5·6 = 6 exactly.
    constexpr auto M = tg::var<"M">;
    xt::xtensor<double, 2> S = {{0.5}}, B = {{1.5}, {2.5}}, R = {{1, 2, 3}};
    xt::xtensor<double, 2> X = random_matrix(2, 3, 1, 2, 12), Mv = random_matrix(3, 2, -1, 1, 13);
    auto v = tg::values(s = S, b = B, r = R, x = X, M = Mv);
    CHECK(tg::eval(tg::grad(tg::sum(r * s) * s, s)[s], v)(0, 0) == 6);
    check_gradient(tg::sum(tg::matmul(r - s, M)) + tg::sigmoid(s), v, std::tuple{s, r}, std::tie(S, R));
    check_gradient(tg::sum((x / b) * (x / (b * b))), v, std::tuple{b, x}, std::tie(B, X));
    // A second derivative meets the same fit: ∂/∂b of Σ V ⊙ ∂f/∂b, f = Σ sin(x / b),
    // holds b broadcast in x / b and again in the derived x / (b ⊙ b).
    constexpr auto V = tg::col<"V">;
    xt::xtensor<double, 2> Vv = {{0.3}, {-0.7}};
    auto w = tg::values(b = B, x = X, V = Vv);
    constexpr auto g = tg::sum(V * tg::grad(tg::sum(tg::sin(x / b)), b)[b]);
    check_gradient(g, w, std::tuple{b}, std::tie(B));
}
