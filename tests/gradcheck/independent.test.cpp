// SPDX-License-Identifier: MIT
// typegrad's derived MLP gradients (through gradcheck::typegrad_mlp_gradient, i.e.
// nn::mlp compiled for that depth), and the manual reference's, against
// numbers worked out independently:
// mpmath at 40 significant digits, the forward pass written as scalar loops straight
// from the definition of J and differentiated numerically by mpmath.diff, so neither
// typegrad nor the transpose-delta formulas took part.
//
// The seed's 2-2-2 case uses the numbers of tests/reference/mlp.test.cpp. The other two
// came from this script (Python 3, mpmath 1.3):
//
//   from mpmath import mp, mpf, exp, log, tanh, diff
//   import copy
//   mp.dps = 40
//   M = lambda rows: [[mpf(v) for v in r] for r in rows]
//   def J(p, x, y, hidden, out):
//       m = len(x[0]); L = len(p['W']); s = 0
//       for c in range(m):
//           a = [x[k][c] for k in range(len(x))]
//           for l in range(L):
//               W, b = p['W'][l], p['b'][l]
//               z = [sum(W[i][k] * a[k] for k in range(len(a))) + b[i] for i in range(len(W))]
//               if l + 1 < L: a = [hidden(v) for v in z]
//           if out == 'bce':
//               a = [1 / (1 + exp(-v)) for v in z]
//               s += sum(y[i][c] * log(a[i]) + (1 - y[i][c]) * log(1 - a[i]) for i in
//               range(len(a)))
//           else:
//               t = log(sum(exp(v) for v in z))
//               s += sum(y[i][c] * (z[i] - t) for i in range(len(z)))
//       return -s / m
//   def gradient(p, x, y, hidden, out, kind, l, i, j):
//       def f(t):
//           q = copy.deepcopy(p)
//           if kind == 'W': q['W'][l][i][j] = t
//           else: q['b'][l][i] = t
//           return J(q, x, y, hidden, out)
//       return diff(f, p['W'][l][i][j] if kind == 'W' else p['b'][l][i])
//   relu = lambda v: v if v > 0 else mpf(0)   # case B: every hidden |z| ≥ 0.02, far from the kink
//
// with the parameters written out in each test case below.
#include <typegrad/gradcheck.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <vector>

namespace {

namespace gc = typegrad::gradcheck;
using matrix = xt::xtensor<double, 2>;

// Tolerance 1e-12 relative: a double evaluation of these few-unit networks has a few
// dozen roundings of 1.1e-16 per number.
doctest::Approx near(double expected) {
    return doctest::Approx(expected).epsilon(1e-12);
}

void check_all(const std::vector<matrix>& got, const std::vector<matrix>& want, const char* what) {
    REQUIRE(got.size() == want.size());
    for (std::size_t l = 0; l < want.size(); ++l) {
        REQUIRE(got[l].shape() == want[l].shape());
        for (std::size_t i = 0; i < want[l].shape(0); ++i)
            for (std::size_t j = 0; j < want[l].shape(1); ++j) {
                INFO(std::string(what), l + 1, "(", i, ", ", j, ")");
                // An exact 0 (a unit dead for every example) must come out as 0.
                if (want[l](i, j) == 0)
                    CHECK(got[l](i, j) == 0.0);
                else
                    CHECK(got[l](i, j) == near(want[l](i, j)));
            }
    }
}

// typegrad's gradient, then the manual reference's, of one network: checks run on each.
template <class Check>
void for_both(gc::activation hidden, gc::head out,
              const typegrad::reference::mlp_params<double>& params, const matrix& x,
              const matrix& y, Check check) {
    std::vector<std::size_t> sizes{x.shape(0)};
    for (const auto& W : params.W)
        sizes.push_back(W.shape(0));
    typegrad::reference::mlp_params<double> g;
    {
        INFO("typegrad");
        const double J = gc::typegrad_mlp_gradient<double>(hidden, out, params, x, y, g);
        check(J, g);
    }
    {
        INFO("manual reference");
        typegrad::reference::mlp<double> net(sizes, hidden, out);
        const double J = net.gradient(params, x, y, g);
        check(J, g);
    }
}

} // namespace

TEST_CASE("the seed's 2-2-2 sigmoid network: typegrad and manual match the independent numbers") {
    const matrix x{{0.05, 0.8}, {0.10, -0.4}}; // two examples, one per column
    const matrix y{{0.01, 1.0}, {0.99, 0.0}};
    typegrad::reference::mlp_params<double> params;
    params.W = {matrix{{0.15, 0.20}, {0.25, 0.30}}, matrix{{0.40, 0.45}, {0.50, -0.55}}};
    params.b = {matrix{{0.35}, {-0.35}}, matrix{{0.60}, {0.10}}};

    for_both(gc::activation::sigmoid, gc::head::sigmoid_bce, params, x, y,
             [](double J, const typegrad::reference::mlp_params<double>& g) {
                 CHECK(J == near(1.5103117080966459));
                 check_all(g.W,
                           {matrix{{0.016285072770490758, -0.0071469784526594558},
                                   {-0.037254413710155321, 0.027387136263235296}},
                            matrix{{0.13726828844471481, 0.097117190708282303},
                                   {0.027727315017380131, 0.021701307078405646}}},
                           "W");
                 check_all(g.b,
                           {matrix{{0.02782302545750787}, {0.019131453423488119}},
                            matrix{{0.23204210357465594}, {0.045365511090922731}}},
                           "b");
             });
}

TEST_CASE("case A, 2-3-3 with tanh and softmax cross-entropy: typegrad and manual match the "
          "independent numbers") {
    const matrix x{{0.5, -0.3}, {0.2, 0.9}};
    const matrix y{{1, 0}, {0, 0}, {0, 1}}; // one-hot columns
    typegrad::reference::mlp_params<double> params;
    params.W = {matrix{{0.1, -0.2}, {0.4, 0.3}, {-0.5, 0.25}},
                matrix{{0.3, -0.6, 0.2}, {0.7, 0.1, -0.4}, {-0.2, 0.5, 0.35}}};
    params.b = {matrix{{0.05}, {-0.1}, {0.2}}, matrix{{0.1}, {0.0}, {-0.15}}};

    for_both(
        gc::activation::tanh, gc::head::softmax_ce, params, x, y,
        [](double J, const typegrad::reference::mlp_params<double>& g) {
            CHECK(J == near(1.0364725118747431));
            check_all(g.W,
                      {matrix{{-0.06358983865255222, 0.18046929953166441},
                              {0.22028812019927256, -0.17681925868558001},
                              {-0.014809339353253557, -0.096410204512805461}},
                       matrix{{-0.050184911876989763, -0.04272064281053242, 0.099546196644674675},
                              {-0.0090276419028210994, 0.03415665645038654, 0.064117682551032714},
                              {0.059212553779810862, 0.0085639863601458803, -0.16366387919570739}}},
                      "W");
            check_all(
                g.b,
                {matrix{{0.19580892660499015}, {0.024992700374562321}, {-0.17155823756376835}},
                 matrix{{-0.13787923778504865}, {0.29993197139966432}, {-0.16205273361461567}}},
                "b");
        });
}

TEST_CASE("case B, 3-2-2-2 with relu and sigmoid binary cross-entropy: typegrad and manual match "
          "the independent numbers") {
    const matrix x{{0.3, -0.8, 0.5}, {-0.1, 0.4, 0.9}, {0.7, 0.2, -0.6}};
    const matrix y{{1, 0, 1}, {0, 1, 1}};
    typegrad::reference::mlp_params<double> params;
    params.W = {matrix{{0.5, -0.4, 0.3}, {0.2, 0.6, -0.1}}, matrix{{0.8, -0.3}, {0.4, 0.9}},
                matrix{{0.6, -0.7}, {-0.2, 0.5}}};
    params.b = {matrix{{0.1}, {0.05}}, matrix{{-0.05}, {0.1}}, matrix{{0.2}, {-0.1}}};

    for_both(
        gc::activation::relu, gc::head::sigmoid_bce, params, x, y,
        [](double J, const typegrad::reference::mlp_params<double>& g) {
            CHECK(J == near(1.3791247006135695));
            check_all(
                g.W,
                {matrix{{-0.0070233193871104407, 0.0023411064623701469, -0.016387745236591028},
                        {0.17582117198922261, -0.020618210711006983, -0.071749969744881351}},
                 matrix{{-0.061516605824085551, 0.0}, {0.093769380868544266, 0.026370926997734506}},
                 matrix{{-0.052519366980210911, -0.16191636686019507},
                        {0.057750019443666698, -0.094400746400619703}}},
                "W");
            check_all(g.b,
                      {matrix{{-0.023411064623701469}, {-0.12468941295534824}},
                       matrix{{-0.1230332116481711}, {0.048994969564479374}},
                       matrix{{-0.1732644450112713}, {-0.14458028388682107}}},
                      "b");
        });
}
