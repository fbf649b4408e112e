// SPDX-License-Identifier: MIT
// The optimisers' update loops. This file is compiled with -ffp-contract=off (see
// CMakeLists.txt): each line below is one rounding, in the order PyTorch's CPU kernels round.
#include <typegrad/nn/optim.hpp>

#include <cmath>
#include <cstddef>
#include <set>
#include <string_view>
#include <utility>

namespace typegrad::nn {
namespace {

template <class T>
std::string shape_text(const xt::xtensor<T, 2>& t) {
    return "(" + std::to_string(t.shape(0)) + ", " + std::to_string(t.shape(1)) + ")";
}

std::string in_quotes(std::string_view name) {
    return "\"" + std::string(name) + "\"";
}

[[noreturn]] void step_error(const char* who, const std::string& what) {
    throw optimiser_error(std::string(who) + "::step: " + what);
}

// Checks a step's inputs before anything is updated: matching counts, non-null tensors,
// gradients shaped as their parameters, state (when `slots` is given) shaped as its parameter,
// no name twice. Marks each existing slot with `mark`. Allocates nothing unless it throws.
template <class T, class Slot, class Buffer>
void check_step(const char* who, std::span<const parameter<T>> params,
                std::span<const xt::xtensor<T, 2>* const> grads,
                std::map<std::string, Slot, std::less<>>* slots, std::uint64_t mark,
                Buffer buffer) {
    if (params.size() != grads.size())
        step_error(who, std::to_string(params.size()) + " parameters but " +
                            std::to_string(grads.size()) + " gradients");
    bool new_names = false;
    for (std::size_t i = 0; i < params.size(); ++i) {
        const parameter<T>& p = params[i];
        if (p.value == nullptr)
            step_error(who, "parameter " + in_quotes(p.name) + " has no tensor");
        if (grads[i] == nullptr)
            step_error(who, "the gradient of parameter " + in_quotes(p.name) + " is null");
        if (p.value->shape() != grads[i]->shape())
            step_error(who, "parameter " + in_quotes(p.name) + " has shape " +
                                shape_text(*p.value) + " but its gradient has shape " +
                                shape_text(*grads[i]));
        if (slots == nullptr)
            continue;
        const auto it = slots->find(p.name);
        if (it == slots->end()) {
            new_names = true;
            continue;
        }
        if (it->second.mark == mark)
            step_error(who, "parameter name " + in_quotes(p.name) + " appears twice");
        it->second.mark = mark;
        if (const xt::xtensor<T, 2>& b = buffer(it->second); b.shape() != p.value->shape())
            step_error(who, "parameter " + in_quotes(p.name) + " has shape " +
                                shape_text(*p.value) + " but its optimiser state has shape " +
                                shape_text(b));
    }
    // New state is about to be created: a name given twice would share it.
    if (new_names)
        for (std::size_t i = 0; i < params.size(); ++i)
            for (std::size_t j = i + 1; j < params.size(); ++j)
                if (params[i].name == params[j].name)
                    step_error(who,
                               "parameter name " + in_quotes(params[i].name) + " appears twice");
}

void check_hyper(const char* who, const char* name, double value, bool ok) {
    if (!ok || !std::isfinite(value))
        throw optimiser_error(std::string(who) + ": invalid " + name + " " + std::to_string(value));
}

// A saved state, read by name, with every entry accounted for.
template <class T>
class state_reader {
  public:
    state_reader(const char* who, const optimiser_state<T>& s, std::span<const parameter<T>> params)
        : who_(who), state_(s) {
        if (s.kind != who)
            throw optimiser_error(prefix() + "the state is for " + in_quotes(s.kind) + ", not " +
                                  in_quotes(who));
        for (const auto& t : s.tensors)
            if (!tensor_names_.insert(t.name).second)
                throw optimiser_error(prefix() + "tensor " + in_quotes(t.name) + " appears twice");
        for (const auto& c : s.scalars)
            if (!scalar_names_.insert(c.name).second)
                throw optimiser_error(prefix() + "scalar " + in_quotes(c.name) + " appears twice");
        for (const auto& p : params) {
            if (p.value == nullptr)
                throw optimiser_error(prefix() + "parameter " + in_quotes(p.name) +
                                      " has no tensor");
            if (!param_names_.insert(p.name).second)
                throw optimiser_error(prefix() + "parameter name " + in_quotes(p.name) +
                                      " appears twice");
        }
    }

    std::string prefix() const { return std::string(who_) + "::load_state: "; }

    double hyper(const std::string& name) {
        for (const auto& c : state_.scalars)
            if (c.name == name) {
                used_scalars_.insert(name);
                return c.value;
            }
        throw optimiser_error(prefix() + "the state has no scalar " + in_quotes(name));
    }

    // The per-parameter tensor "<name>/<slot>", or null if absent; shaped as the parameter.
    const xt::xtensor<T, 2>* tensor(const parameter<T>& p, const char* slot) {
        const std::string name = p.name + "/" + slot;
        for (const auto& t : state_.tensors)
            if (t.name == name) {
                if (t.value.shape() != p.value->shape())
                    throw optimiser_error(prefix() + "tensor " + in_quotes(name) + " has shape " +
                                          shape_text(t.value) + " but parameter " +
                                          in_quotes(p.name) + " has shape " + shape_text(*p.value));
                used_tensors_.insert(name);
                return &t.value;
            }
        return nullptr;
    }

    const double* scalar(const parameter<T>& p, const char* slot) {
        const std::string name = p.name + "/" + slot;
        for (const auto& c : state_.scalars)
            if (c.name == name) {
                used_scalars_.insert(name);
                return &c.value;
            }
        return nullptr;
    }

    // Every entry of the state was read: none names an unknown parameter or slot.
    void check_all_used() const {
        for (const auto& t : state_.tensors)
            if (!used_tensors_.contains(t.name))
                throw optimiser_error(prefix() + "tensor " + in_quotes(t.name) +
                                      " does not belong to any parameter given");
        for (const auto& c : state_.scalars)
            if (!used_scalars_.contains(c.name))
                throw optimiser_error(prefix() + "scalar " + in_quotes(c.name) +
                                      " does not belong to any parameter given");
    }

  private:
    const char* who_;
    const optimiser_state<T>& state_;
    std::set<std::string> tensor_names_, scalar_names_, param_names_, used_tensors_, used_scalars_;
};

} // namespace

// ---------------------------------------------------------------------------------------- sgd

template <class T>
sgd<T>::sgd(options o) : options_(o) {
    check_hyper("sgd", "lr", o.lr, o.lr >= 0);
    check_hyper("sgd", "momentum", o.momentum, o.momentum >= 0);
    check_hyper("sgd", "weight_decay", o.weight_decay, o.weight_decay >= 0);
}

template <class T>
void sgd<T>::step(std::span<const parameter<T>> params,
                  std::span<const xt::xtensor<T, 2>* const> grads) {
    const bool momentum = options_.momentum != 0;
    check_step<T>("sgd", params, grads, momentum ? &slots_ : nullptr, ++marks_,
                  [](const slot& s) -> const xt::xtensor<T, 2>& { return s.momentum_buffer; });
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (!momentum) { // no state
            slot none;
            update(*params[i].value, *grads[i], none);
            continue;
        }
        auto it = slots_.find(params[i].name);
        if (it == slots_.end()) it = slots_.try_emplace(params[i].name, slot{{}, false, marks_}).first;
        update(*params[i].value, *grads[i], it->second);
    }
}

template <class T>
void sgd<T>::update(xt::xtensor<T, 2>& value, const xt::xtensor<T, 2>& grad, slot& s) const {
    const T wd = static_cast<T>(options_.weight_decay), mu = static_cast<T>(options_.momentum),
            neg_lr = static_cast<T>(-options_.lr);
    const bool decay = options_.weight_decay != 0;
    T* p = value.data();
    const T* g = grad.data();
    const std::size_t n = value.size();
    if (options_.momentum == 0) {
        for (std::size_t k = 0; k < n; ++k) {
            // grad.add(param, alpha=weight_decay)
            const T d = decay ? g[k] + wd * p[k] : g[k];
            // param.add_(grad, alpha=−lr)
            p[k] = p[k] + neg_lr * d;
        }
        return;
    }
    const bool first = !s.started;
    if (first) {
        s.momentum_buffer = xt::xtensor<T, 2>(value.shape());
        s.started = true;
    }
    T* v = s.momentum_buffer.data();
    for (std::size_t k = 0; k < n; ++k) {
        const T d = decay ? g[k] + wd * p[k] : g[k];
        // buf = clone(grad) on the first step, then buf.mul_(μ).add_(grad)
        v[k] = first ? d : v[k] * mu + d;
        // param.add_(buf, alpha=−lr)
        p[k] = p[k] + neg_lr * v[k];
    }
}

template <class T>
void sgd<T>::save_slot(std::string_view name, const slot& s, optimiser_state<T>& out) {
    if (s.started) out.tensors.push_back({std::string(name) + "/momentum_buffer", s.momentum_buffer});
}

template <class T>
typename sgd<T>::slot sgd<T>::release_slot(std::string_view name) {
    const auto it = slots_.find(name);
    if (it == slots_.end()) return {};
    slot s = std::move(it->second);
    slots_.erase(it);
    return s;
}

template <class T>
optimiser_state<T> sgd<T>::state() const {
    optimiser_state<T> s{"sgd",
                         {},
                         {{"lr", options_.lr},
                          {"momentum", options_.momentum},
                          {"weight_decay", options_.weight_decay}}};
    for (const auto& [name, sl] : slots_) save_slot(name, sl, s);
    return s;
}

template <class T>
void sgd<T>::load_state(const optimiser_state<T>& s, std::span<const parameter<T>> params) {
    state_reader<T> in("sgd", s, params);
    options o{in.hyper("lr"), in.hyper("momentum"), in.hyper("weight_decay")};
    sgd<T> fresh(o); // checks the hyper-parameters
    for (const auto& p : params)
        if (const auto* b = in.tensor(p, "momentum_buffer"))
            fresh.slots_.try_emplace(p.name, slot{*b, true, 0});
    in.check_all_used();
    options_ = fresh.options_;
    slots_ = std::move(fresh.slots_);
}

// --------------------------------------------------------------------------------------- adam

template <class T>
adam<T>::adam(options o) : options_(o) {
    check_hyper("adam", "lr", o.lr, o.lr >= 0);
    check_hyper("adam", "beta1", o.beta1, o.beta1 >= 0 && o.beta1 < 1);
    check_hyper("adam", "beta2", o.beta2, o.beta2 >= 0 && o.beta2 < 1);
    check_hyper("adam", "eps", o.eps, o.eps >= 0);
    check_hyper("adam", "weight_decay", o.weight_decay, o.weight_decay >= 0);
}

template <class T>
void adam<T>::step(std::span<const parameter<T>> params,
                   std::span<const xt::xtensor<T, 2>* const> grads) {
    check_step<T>("adam", params, grads, &slots_, ++marks_,
                  [](const slot& s) -> const xt::xtensor<T, 2>& { return s.exp_avg; });
    for (std::size_t i = 0; i < params.size(); ++i) {
        auto it = slots_.find(params[i].name);
        if (it == slots_.end()) it = slots_.try_emplace(params[i].name, slot{{}, {}, 0, marks_}).first;
        update(*params[i].value, *grads[i], it->second);
    }
}

template <class T>
void adam<T>::update(xt::xtensor<T, 2>& value, const xt::xtensor<T, 2>& grad, slot& s) const {
    const options& o = options_;
    const bool decay = o.weight_decay != 0;
    const T wd = static_cast<T>(o.weight_decay), beta2 = static_cast<T>(o.beta2),
            eps = static_cast<T>(o.eps);
    // exp_avg.lerp_(grad, 1 − β1): PyTorch's lerp takes one of two forms by the weight's size.
    const T w = static_cast<T>(1 - o.beta1), one_minus_w = T(1) - w;
    const bool small_weight = std::abs(w) < T(0.5);
    const T c2 = static_cast<T>(1 - o.beta2);

    if (s.step == 0) { // the moments start at zero
        s.exp_avg = xt::xtensor<T, 2>(value.shape(), T(0));
        s.exp_avg_sq = xt::xtensor<T, 2>(value.shape(), T(0));
    }
    const double t = static_cast<double>(++s.step);
    // Python floats in torch: 1 − β1ᵗ, 1 − β2ᵗ, lr / (1 − β1ᵗ), √(1 − β2ᵗ), all in double.
    const double bias_correction1 = 1 - std::pow(o.beta1, t);
    const double bias_correction2 = 1 - std::pow(o.beta2, t);
    const T neg_step_size = static_cast<T>(-(o.lr / bias_correction1));
    const T bias_correction2_sqrt = static_cast<T>(std::sqrt(bias_correction2));

    const std::size_t n = value.size();
    // The two run-time choices are hoisted out of the loop, so that each variant is
    // a straight-line loop the compiler vectorises (sqrt and division included:
    // -fno-math-errno, see CMakeLists.txt); the arithmetic is the same either way.
    auto run = [&]<bool Decay, bool SmallWeight>() {
        T* __restrict p = value.data();
        const T* __restrict g = grad.data();
        T* __restrict m = s.exp_avg.data();
        T* __restrict v = s.exp_avg_sq.data();
        for (std::size_t k = 0; k < n; ++k) {
            // grad.add(param, alpha=weight_decay)
            const T d = Decay ? g[k] + wd * p[k] : g[k];
            // exp_avg.lerp_(grad, 1 − β1)
            const T mk = SmallWeight ? m[k] + w * (d - m[k]) : d - (d - m[k]) * one_minus_w;
            // exp_avg_sq.mul_(β2).addcmul_(grad, grad, value=1 − β2)
            T vk = v[k] * beta2;
            vk = vk + c2 * d * d;
            m[k] = mk;
            v[k] = vk;
            // denom = (exp_avg_sq.sqrt() / √bias_correction2).add_(ε)
            const T denom = std::sqrt(vk) / bias_correction2_sqrt + eps;
            // param.addcdiv_(exp_avg, denom, value=−step_size)
            p[k] = p[k] + neg_step_size * mk / denom;
        }
    };
    if (decay) {
        if (small_weight) run.template operator()<true, true>();
        else run.template operator()<true, false>();
    } else {
        if (small_weight) run.template operator()<false, true>();
        else run.template operator()<false, false>();
    }
}

template <class T>
void adam<T>::save_slot(std::string_view name, const slot& s, optimiser_state<T>& out) {
    if (s.step == 0) return;
    out.tensors.push_back({std::string(name) + "/exp_avg", s.exp_avg});
    out.tensors.push_back({std::string(name) + "/exp_avg_sq", s.exp_avg_sq});
    out.scalars.push_back({std::string(name) + "/step", static_cast<double>(s.step)});
}

template <class T>
typename adam<T>::slot adam<T>::release_slot(std::string_view name) {
    const auto it = slots_.find(name);
    if (it == slots_.end()) return {};
    slot s = std::move(it->second);
    slots_.erase(it);
    return s;
}

template <class T>
optimiser_state<T> adam<T>::state() const {
    const options& o = options_;
    optimiser_state<T> s{"adam",
                         {},
                         {{"lr", o.lr},
                          {"beta1", o.beta1},
                          {"beta2", o.beta2},
                          {"eps", o.eps},
                          {"weight_decay", o.weight_decay}}};
    for (const auto& [name, sl] : slots_) save_slot(name, sl, s);
    return s;
}

template <class T>
void adam<T>::load_state(const optimiser_state<T>& s, std::span<const parameter<T>> params) {
    state_reader<T> in("adam", s, params);
    options o{in.hyper("lr"), in.hyper("beta1"), in.hyper("beta2"), in.hyper("eps"),
              in.hyper("weight_decay")};
    adam<T> fresh(o);
    for (const auto& p : params) {
        const auto* m = in.tensor(p, "exp_avg");
        const auto* v = in.tensor(p, "exp_avg_sq");
        const double* t = in.scalar(p, "step");
        if (!m && !v && !t)
            continue; // this parameter has not taken a step yet
        if (!m || !v || !t)
            throw optimiser_error(in.prefix() + "parameter " + in_quotes(p.name) +
                                  " needs all of exp_avg, exp_avg_sq and step, some are missing");
        if (!(*t >= 1 && *t <= 9007199254740992.0 && *t == std::floor(*t)))
            throw optimiser_error(in.prefix() + "parameter " + in_quotes(p.name) + " has step " +
                                  std::to_string(*t) + ", not a positive integer");
        fresh.slots_.try_emplace(p.name, slot{*m, *v, static_cast<std::uint64_t>(*t), 0});
    }
    in.check_all_used();
    options_ = fresh.options_;
    slots_ = std::move(fresh.slots_);
}

template class sgd<float>;
template class sgd<double>;
template class adam<float>;
template class adam<double>;

} // namespace typegrad::nn
