// SPDX-License-Identifier: MIT
// The trainer's session and data-parallel steps (see session.hpp, data_parallel.hpp). Built
// without MPI (TYPEGRAD_MPI=OFF), --distributed is refused and one process trains as before.
#include "data_parallel.hpp"
#include "session.hpp"

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string_view>
#include <thread>

#if TYPEGRAD_DISTRIBUTED
#include <typegrad/distributed/gradient_allreduce.hpp>
#include <typegrad/distributed/replicas.hpp>
#include <typegrad/distributed/world.hpp>
namespace dist = typegrad::distributed;
#endif

namespace {

// --fault KIND:RANK[:STEP], for the tests: make one rank fail the way real ones do.
struct fault_plan {
    std::string kind; // "", "die" (killed), "stall" (stopped: alive but silent), "diverge"
    int rank = -1;
    std::size_t step = 0;
};

fault_plan parse_fault(const std::string& text) {
    fault_plan f;
    if (text.empty()) return f;
    const auto a = text.find(':');
    const auto b = text.find(':', a == std::string::npos ? a : a + 1);
    f.kind = text.substr(0, a);
    try {
        if (a == std::string::npos) throw std::invalid_argument("no rank");
        f.rank = std::stoi(text.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1));
        if (b != std::string::npos) f.step = std::stoul(text.substr(b + 1));
    } catch (const std::exception&) {
        f.kind = "?";
    }
    if (f.kind != "die" && f.kind != "stall" && f.kind != "diverge")
        throw std::invalid_argument("--fault " + text + ": expected die:RANK:STEP, stall:RANK:STEP or diverge:RANK");
    return f;
}

} // namespace

bool speaks(const options& opt) {
#if TYPEGRAD_DISTRIBUTED
    if (opt.world) return opt.world->root();
#endif
    (void)opt;
    return true;
}

void agree(const options& opt, bool ok, const std::string& message) {
#if TYPEGRAD_DISTRIBUTED
    if (opt.world) {
        const auto v = opt.world->agree(ok, message);
        if (!v.ok) throw refused_on_a_rank(v.rank, v.message);
        return;
    }
#endif
    (void)opt;
    if (!ok) throw refused_on_a_rank(0, message);
}

// ---------------------------------------------------------------------------------------------
// session

struct session::state {
#if TYPEGRAD_DISTRIBUTED
    std::unique_ptr<dist::world> world;
#endif
    bool asked = false; // --distributed on the command line
};

session::session(int& argc, char**& argv, options& opt) : opt_(opt), state_(std::make_unique<state>()) {
    for (int i = 1; i < argc; ++i)
        if (std::string_view(argv[i]) == "--distributed") state_->asked = true;
#if TYPEGRAD_DISTRIBUTED
    if (state_->asked) {
        state_->world = std::make_unique<dist::world>(argc, argv, std::chrono::duration<double>(opt.timeout));
        opt.world = state_->world.get();
        // Only rank 0 prints results; the other ranks' standard output is dropped (their
        // errors still reach standard error).
        if (!opt.world->root() && !std::freopen("/dev/null", "w", stdout))
            std::cerr << "train_fashion_mnist: rank " << opt.world->rank() << ": cannot silence standard output\n";
    }
#endif
}

session::~session() = default;

void session::add_options(CLI::App& app, options& opt) {
    const char* group = "Data-parallel training (run under mpirun)";
    app.add_flag("--distributed", opt.distributed,
                 "train data-parallel across the ranks of an MPI job: --batch is the global batch")
        ->group(group);
    app.add_flag("--check-replicas", opt.check_replicas,
                 "after each epoch compare a checksum of every parameter across ranks; stop on a difference")
        ->group(group);
    app.add_flag("!--no-overlap", opt.overlap, "sum gradients after the backward pass, not during it (for comparison)")
        ->group(group);
    app.add_option("--timeout", opt.timeout, "seconds a rank waits for its peers before declaring one failed")
        ->check(CLI::Range(0.1, 1e6))
        ->group(group);
    app.add_option("--bucket-kb", opt.bucket_kb, "gradients are summed in buckets of about this size")
        ->check(CLI::Range(1, 1 << 20))
        ->group(group);
    app.add_option("--fault", opt.fault, "testing only: die:RANK:STEP, stall:RANK:STEP or diverge:RANK")
        ->group(group);
}

std::optional<int> session::parse(CLI::App& app, int argc, char** argv) {
    std::optional<CLI::ParseError> error;
    try {
        app.parse(argc, argv);
        parse_fault(opt_.fault);
    } catch (const CLI::ParseError& e) {
        error = e;
    } catch (const std::invalid_argument& e) {
        error = CLI::ValidationError(e.what());
    }
#if TYPEGRAD_DISTRIBUTED
    if (opt_.world) {
        opt_.world->set_timeout(std::chrono::duration<double>(opt_.timeout));
        // Help and version requests are "errors" with status 0 that every rank sees alike.
        const bool fatal = error && error->get_exit_code() != 0;
        const auto v = opt_.world->agree(!fatal, fatal ? std::string(error->what()) : std::string());
        if (!v.ok) {
            if (opt_.world->root())
                std::cerr << "train_fashion_mnist: " << (v.rank == 0 ? "" : "rank " + std::to_string(v.rank) + ": ")
                          << v.message << "\nRun with --help for more information.\n";
            return 2;
        }
        if (error) {
            if (opt_.world->root()) app.exit(*error);
            return 0;
        }
        // The ranks share every global batch equally (the last one excepted).
        if (const auto ranks = std::size_t(opt_.world->size()); opt_.batch % ranks != 0) {
            if (opt_.world->root())
                std::cerr << "train_fashion_mnist: --batch " << opt_.batch << " is the global batch and must be a "
                          << "multiple of the " << ranks << " ranks (each trains on batch / ranks columns)\n";
            return 2;
        }
        return std::nullopt;
    }
#endif
    if (error) {
        const int code = app.exit(*error);
        return code == 0 ? 0 : 2;
    }
    if (opt_.distributed || state_->asked) {
        std::cerr << "train_fashion_mnist: --distributed: this build has no MPI (configured with TYPEGRAD_MPI=OFF "
                     "or without libopenmpi-dev)\n";
        return 2;
    }
    return std::nullopt;
}

int session::run(const std::function<int()>& train) {
#if TYPEGRAD_DISTRIBUTED
    if (opt_.world) {
        dist::world& w = *opt_.world;
        int status = 1;
        try {
            status = train();
            if (status == 0) return 0;
            std::cerr << "train_fashion_mnist: rank " << w.rank() << " failed; stopping every rank\n";
        } catch (const refused_on_a_rank& e) {
            // Every rank threw it together: stop cleanly, say it once.
            if (w.root())
                std::cerr << "train_fashion_mnist: " << (e.rank == 0 ? "" : "rank " + std::to_string(e.rank) + ": ")
                          << e.what() << "\n";
            return 1;
        } catch (const dist::distributed_error& e) {
            if (e.speaker()) std::cerr << "train_fashion_mnist: " << e.what() << "\n" << std::flush;
            if (e.agreed()) return 1;
            // Let the speaker's message out before the job is torn down.
            if (!e.speaker()) std::this_thread::sleep_for(std::chrono::seconds(1));
        } catch (const std::exception& e) {
            std::cerr << "train_fashion_mnist: rank " << w.rank() << ": " << e.what() << "\n";
        }
        std::fflush(nullptr);
        w.abort(status == 0 ? 1 : status);
    }
#endif
    try {
        return train();
    } catch (const refused_on_a_rank& e) {
        std::cerr << "train_fashion_mnist: " << e.what() << "\n";
    } catch (const std::exception& e) { // a bug rather than bad input: still a message, not a crash
        std::cerr << "train_fashion_mnist: error: " << e.what() << "\n";
    }
    return 1;
}

// ---------------------------------------------------------------------------------------------
// batch_runner

template <class T>
struct batch_runner<T>::distributed_state {
#if TYPEGRAD_DISTRIBUTED
    dist::world* world;
    dist::gradient_allreduce<T> sum;
    std::vector<xt::xtensor<T, 2>> summed; // by parameter
    std::vector<std::span<T>> outputs;
    fault_plan fault;
    std::size_t steps = 0;      // in this run, across epochs
    double compute_seconds = 0; // this epoch, rank 0's
    std::chrono::steady_clock::time_point step_start;

    distributed_state(dist::world& w, const std::vector<std::size_t>& sizes, std::span<const std::size_t> order,
                      dist::bucket_options o)
        : world(&w), sum(w, sizes, order, o) {}
#endif
};

template <class T>
batch_runner<T>::batch_runner(const options& opt, std::span<const typegrad::nn::parameter<T>> params,
                              std::vector<const xt::xtensor<T, 2>*> program_gradients,
                              std::span<const std::size_t> ready_order)
    : opt_(opt), params_(params), program_gradients_(std::move(program_gradients)), gradients_(program_gradients_) {
#if TYPEGRAD_DISTRIBUTED
    if (!opt.world) return;
    std::vector<std::size_t> sizes;
    for (const auto& p : params) sizes.push_back(p.value->size());
    distributed_ = std::make_unique<distributed_state>(
        *opt.world, sizes, ready_order, dist::bucket_options{.bucket_bytes = opt.bucket_kb * 1024, .overlap = opt.overlap});
    auto& d = *distributed_;
    d.fault = parse_fault(opt.fault);
    d.summed.resize(params.size());
    gradients_.clear();
    for (std::size_t k = 0; k < params.size(); ++k) {
        d.summed[k] = xt::xtensor<T, 2>::from_shape(params[k].value->shape());
        d.outputs.emplace_back(d.summed[k].data(), d.summed[k].size());
        gradients_.push_back(&d.summed[k]);
    }
#else
    (void)ready_order;
#endif
}

template <class T>
batch_runner<T>::~batch_runner() = default;

template <class T>
void batch_runner<T>::synchronise_parameters() {
#if TYPEGRAD_DISTRIBUTED
    if (!distributed_) return;
    for (const auto& p : params_) distributed_->world->broadcast(std::span<T>(p.value->data(), p.value->size()));
#endif
}

template <class T>
std::size_t batch_runner<T>::columns_of(std::size_t i, const typegrad::data::dataset<T>& data,
                                        typegrad::data::batching global, std::size_t& local_index,
                                        typegrad::data::batching& local, std::size_t& total) const {
#if TYPEGRAD_DISTRIBUTED
    const auto ranks = std::size_t(distributed_->world->size()), rank = std::size_t(distributed_->world->rank());
    total = data.batch_columns(i, global);
    local = {.size = global.size / ranks, .last = typegrad::data::last_batch::smaller};
    local_index = i * ranks + rank;
    return local_index < data.batch_count(local) ? data.batch_columns(local_index, local) : 0;
#else
    (void)i, (void)data, (void)global, (void)local_index, (void)local, (void)total;
    return 0;
#endif
}

template <class T>
void batch_runner<T>::begin(std::size_t columns, std::size_t total) {
#if TYPEGRAD_DISTRIBUTED
    auto& d = *distributed_;
    if (d.fault.rank == d.world->rank() && d.steps == d.fault.step && (d.fault.kind == "die" || d.fault.kind == "stall")) {
        // The time, so that a test can bound how long the others take to stop.
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch());
        std::fprintf(stderr, "train_fashion_mnist: rank %d: --fault %s at step %zu, at_ms=%lld\n", d.world->rank(),
                     d.fault.kind.c_str(), d.steps, static_cast<long long>(ms.count()));
        std::fflush(stderr);
        std::raise(d.fault.kind == "die" ? SIGKILL : SIGSTOP);
    }
    d.step_start = std::chrono::steady_clock::now();
    // This rank's share of the batch: its mean gradient times m_r / m sums to the mean over m.
    d.sum.begin(T(columns) / T(total));
    if (columns == 0)
        for (std::size_t k = 0; k < params_.size(); ++k) d.sum.ready_zero(k);
#else
    (void)columns, (void)total;
#endif
}

template <class T>
void batch_runner<T>::ready(std::size_t k) {
#if TYPEGRAD_DISTRIBUTED
    const auto& g = *program_gradients_[k];
    distributed_->sum.ready(k, std::span<const T>(g.data(), g.size()));
#else
    (void)k;
#endif
}

template <class T>
void batch_runner<T>::progress() {
#if TYPEGRAD_DISTRIBUTED
    distributed_->sum.progress();
#endif
}

template <class T>
void batch_runner<T>::finish() {
#if TYPEGRAD_DISTRIBUTED
    auto& d = *distributed_;
    d.compute_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - d.step_start).count();
    d.sum.finish(d.outputs);
    ++d.steps;
#endif
}

template <class T>
void batch_runner<T>::sum(std::span<double> values) {
#if TYPEGRAD_DISTRIBUTED
    if (distributed_) distributed_->world->sum(values);
#else
    (void)values;
#endif
}

template <class T>
bool batch_runner<T>::evaluates(std::size_t i) const {
#if TYPEGRAD_DISTRIBUTED
    if (distributed_) return i % std::size_t(distributed_->world->size()) == std::size_t(distributed_->world->rank());
#endif
    (void)i;
    return true;
}

template <class T>
void batch_runner<T>::end_epoch(std::size_t epoch) {
#if TYPEGRAD_DISTRIBUTED
    if (!distributed_) return;
    auto& d = *distributed_;
    const auto& timing = d.sum.timing();
    if (d.world->root() && timing.steps > 0)
        std::printf("distributed: ranks=%d buckets=%zu overlap=%s compute_ms_per_step=%.3f "
                    "allreduce_wait_ms_per_step=%.3f\n",
                    d.world->size(), d.sum.bucket_count(), opt_.overlap ? "on" : "off",
                    1e3 * d.compute_seconds / double(timing.steps), 1e3 * timing.wait_seconds / double(timing.steps));
    d.sum.reset_timing();
    d.compute_seconds = 0;
    if (d.fault.kind == "diverge" && d.fault.rank == d.world->rank() && !params_.empty()) {
        T& v = params_[0].value->data()[0]; // one ulp, the smallest divergence there is
        v = std::nextafter(v, T(1e30));
    }
    if (!opt_.check_replicas) return;
    std::vector<dist::named_values<T>> named;
    for (const auto& p : params_) named.push_back({p.name, std::span<const T>(p.value->data(), p.value->size())});
    dist::check_replicas(*d.world, named, "after epoch " + std::to_string(epoch + 1));
#else
    (void)epoch;
#endif
}

template class batch_runner<float>;
