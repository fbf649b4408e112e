// SPDX-License-Identifier: MIT
// typegrad-gradcheck: builds one network (an MLP, or LeNet-5) as a typegrad expression
// and as the manual reference, and compares their gradients with each other and with
// finite differences.
//
//   typegrad-gradcheck --layers 400,25,10 --batch 64 --hidden sigmoid --output sigmoid-bce
//   typegrad-gradcheck --model lenet --batch 4 --dtype float
//
// Prints one row per parameter and, as its last line,
//   gradcheck: max_rel typegrad_vs_manual=<x> typegrad_vs_fd=<y> manual_vs_fd=<z>
// Exit status: 0 all within tolerance, 1 some difference over its tolerance (listed
// before the last line), 2 invalid options, 3 any other error.
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <map>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include <typegrad/exec/openblas_kernel.hpp>
#include <typegrad/exec/threads.hpp>
#include <typegrad/gradcheck.hpp>
#include <typegrad/gradcheck/lenet.hpp>

namespace gc = typegrad::gradcheck;

namespace {

// model: "layers 400,25,10, ..., output sigmoid_bce" or "model lenet".
void print(const std::string& model, const gc::report& r) {
    const gc::options& o = r.opts;
    std::printf("typegrad-gradcheck: %s, batch %zu, dtype %s, seed %llu\n", model.c_str(), o.batch,
                gc::to_string(o.type).c_str(), static_cast<unsigned long long>(o.seed));
    std::printf("loss J: typegrad %.17g, manual %.17g\n", r.loss_typegrad, r.loss_manual);
    const std::string sample = o.fd_samples == 0
                                   ? std::string("every entry")
                                   : "a seeded random sample of at most " +
                                         std::to_string(o.fd_samples) + " entries per tensor";
    std::printf("finite differences: central, 4th order, h = %g*max(1,|theta|), of the manual\n"
                "  reference's loss in double (LeNet-5: one-sided 4th order where a central stencil\n"
                "  crosses a kink); %s, always including the largest |dJ/dtheta|\n",
                r.fd_step, sample.c_str());
    std::printf("rel = |a-b| / max(|a|, |b|, S), S = the tensor's largest |dJ/dtheta|; tolerances: "
                "typegrad_vs_manual %.3g, vs_fd %.3g\n\n",
                r.tol.typegrad_vs_manual, r.tol.vs_fd);
    std::printf("%-6s %-11s %-13s | %-21s | %-21s | %-21s\n", "param", "shape", "fd/entries",
                "typegrad vs manual", "typegrad vs fd", "manual vs fd");
    std::printf("%-6s %-11s %-13s | %-10s %-10s | %-10s %-10s | %-10s %-10s\n", "", "", "",
                "max_abs", "max_rel", "max_abs", "max_rel", "max_abs", "max_rel");
    bool skipped = false;
    for (const auto& p : r.parameters) {
        const std::string shape = std::to_string(p.rows) + "x" + std::to_string(p.cols);
        const std::string fd = std::to_string(p.fd_checked) + "/" + std::to_string(p.rows * p.cols);
        std::printf("%-6s %-11s %-13s | %-10.3e %-10.3e | %-10.3e %-10.3e | %-10.3e %-10.3e\n",
                    p.name.c_str(), shape.c_str(), fd.c_str(), p.typegrad_vs_manual.max_abs,
                    p.typegrad_vs_manual.max_rel, p.typegrad_vs_fd.max_abs,
                    p.typegrad_vs_fd.max_rel, p.manual_vs_fd.max_abs, p.manual_vs_fd.max_rel);
        skipped = skipped || p.fd_skipped > 0;
    }
    if (skipped) {
        std::printf("\nleft out of the finite differences (the stencil crossed a relu or max-pool kink):");
        for (const auto& p : r.parameters)
            if (p.fd_skipped > 0)
                std::printf(" %s %zu", p.name.c_str(), p.fd_skipped);
        std::printf("\n");
    }
    const auto failures = r.failures();
    if (!failures.empty()) {
        std::printf("\n");
        for (const auto& f : failures)
            std::printf("FAIL %s\n", f.c_str());
    }
    std::printf(
        "gradcheck: max_rel typegrad_vs_manual=%.3e typegrad_vs_fd=%.3e manual_vs_fd=%.3e\n",
        r.worst_typegrad_vs_manual().max_rel, r.worst_typegrad_vs_fd().max_rel,
        r.worst_manual_vs_fd().max_rel);
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Compare typegrad's derived gradients of an MLP or LeNet-5 with the manual "
                 "reference and with central finite differences.",
                 "typegrad-gradcheck"};
    gc::options o;
    o.batch = 32;
    int threads = 1;
    std::string layers = "400,25,10";
    std::string model = "mlp";

    app.add_option("--model", model,
                   "mlp (shaped by --layers, --hidden, --output) or lenet (LeNet-5 on 28x28 images, "
                   "softmax-ce)")
        ->capture_default_str()
        ->check(CLI::IsMember({"mlp", "lenet"}));

    app.add_option("--layers", layers,
                   "units per layer, input first, comma-separated (2 to " +
                       std::to_string(gc::max_depth + 1) + " sizes)")
        ->capture_default_str()
        ->check(CLI::Validator(
            [](std::string& text) {
                try {
                    gc::parse_layers(text);
                    return std::string();
                } catch (const std::invalid_argument& e) {
                    return std::string(e.what());
                }
            },
            "N,N[,N...]", "layer sizes"));
    app.add_option("--batch", o.batch, "examples per batch")
        ->capture_default_str()
        ->check(CLI::Range(1, 1 << 16));
    const std::map<std::string, gc::activation> hiddens{{"sigmoid", gc::activation::sigmoid},
                                                        {"tanh", gc::activation::tanh},
                                                        {"relu", gc::activation::relu}};
    const std::map<std::string, gc::head> outputs{{"sigmoid-bce", gc::head::sigmoid_bce},
                                                  {"softmax-ce", gc::head::softmax_ce}};
    const std::map<std::string, gc::dtype> dtypes{{"float", gc::dtype::float32},
                                                  {"double", gc::dtype::float64}};
    std::string hidden = "sigmoid", out = "sigmoid-bce", type = "double";
    app.add_option("--hidden", hidden, "hidden activation")
        ->capture_default_str()
        ->check(CLI::IsMember({"sigmoid", "tanh", "relu"}));
    app.add_option("--output", out, "output layer and cost")
        ->capture_default_str()
        ->check(CLI::IsMember({"sigmoid-bce", "softmax-ce"}));
    app.add_option("--dtype", type, "scalar type of the typegrad and manual gradients")
        ->capture_default_str()
        ->check(CLI::IsMember({"float", "double"}));
    app.add_option("--seed", o.seed, "seed of the weights, data and finite-difference sample")
        ->capture_default_str()
        ->check(CLI::Validator( // CLI11 alone would read "-1" and "1e30" as 2^64 - 1
            [](std::string& text) {
                std::uint64_t v = 0;
                const char* end = text.data() + text.size();
                const auto [stop, ec] = std::from_chars(text.data(), end, v);
                const bool ok = !text.empty() && text[0] != '-' && ec == std::errc() && stop == end;
                return ok ? std::string()
                          : "seed '" + text + "' is not an integer from 0 to 2^64 - 1";
            },
            "UINT64", "unsigned integer"));
    app.add_option("--fd-samples", o.fd_samples,
                   "entries per tensor checked by finite differences (0: all)")
        ->capture_default_str()
        ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 30));
    app.add_option("--perturb", o.perturb,
                   "testing the checker: add this times the tensor's largest entry to typegrad's "
                   "dJ/dfc1.W(0,0) (dJ/dconv1.K(0,0) for lenet); the check must then fail (exit 1)")
        ->check(CLI::Range(-1e6, 1e6));
    app.add_option("--threads", threads, "threads of the matrix products and of typegrad's loops")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));

    try {
        app.parse(argc, argv);
        o.layers = gc::parse_layers(layers);
        o.hidden = hiddens.at(hidden);
        o.out = outputs.at(out);
        o.type = dtypes.at(type);
        if (model == "lenet")
            for (const char* mlp_only : {"--layers", "--hidden", "--output"})
                if (app.count(mlp_only) > 0)
                    throw std::invalid_argument(std::string(mlp_only) + " shapes an MLP; --model lenet is fixed");
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e); // prints help (code 0) or the error
        return code == 0 ? 0 : 2;
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "typegrad-gradcheck: %s\n", e.what());
        return 2;
    }

    typegrad::blas::tune();
    typegrad::set_threads(threads);
    try {
        const bool lenet = model == "lenet";
        const gc::report r = lenet ? gc::run_lenet(o) : gc::run(o);
        print(lenet ? "model lenet" : "layers " + layers + ", hidden " + std::string(gc::to_string(o.hidden)) +
                                          ", output " + std::string(gc::to_string(o.out)),
              r);
        return r.passed() ? 0 : 1;
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "typegrad-gradcheck: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "typegrad-gradcheck: error: %s\n", e.what());
        return 3;
    }
}
