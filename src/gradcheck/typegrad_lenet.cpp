// SPDX-License-Identifier: MIT
// gradcheck::run_lenet: a random LeNet-5 checked against the compiled
// nn::classifier<nn::lenet5>, its gradient instantiated here in float and double.
#include <typegrad/gradcheck/lenet_model.hpp>

namespace typegrad::gradcheck {

report run_lenet(const options& opts) {
    const lenet_network net = random_lenet_network(opts); // validates opts
    return opts.type == dtype::float32 ? check_lenet<float>(opts, net, &gradient<nn::classifier<nn::lenet5>, float>)
                                       : check_lenet<double>(opts, net, &gradient<nn::classifier<nn::lenet5>, double>);
}

} // namespace typegrad::gradcheck
