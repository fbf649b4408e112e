// SPDX-License-Identifier: MIT
// The bare cost of the gradient sum the trainer's 2-rank step cannot hide: MPI_Iallreduce of
// fc1.W's gradient (784 × 256 floats, 0.8 MB, the last bucket of the default MLP), polled
// with MPI_Test as the trainer's wait loop does, 300 times after a barrier each. Prints the
// median and the 10th and 90th percentiles on rank 0. Launch it several times: on a
// virtual machine the figure can change from one launch to the next (README, "Training on
// several machines").
//   mpirun -np 2 --bind-to core build/benchmarks/distributed/allreduce_probe
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    std::vector<float> gradient(784 * 256, 1.0f);
    std::vector<double> seconds;
    for (int i = 0; i < 300; ++i) {
        MPI_Barrier(MPI_COMM_WORLD);
        const double start = MPI_Wtime();
        MPI_Request request;
        MPI_Iallreduce(MPI_IN_PLACE, gradient.data(), int(gradient.size()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
                       &request);
        for (int done = 0; !done;) MPI_Test(&request, &done, MPI_STATUS_IGNORE);
        seconds.push_back(MPI_Wtime() - start);
        std::fill(gradient.begin(), gradient.end(), 1.0f); // keep the sums finite
    }
    std::sort(seconds.begin(), seconds.end());
    if (rank == 0)
        std::printf("iallreduce of 0.8 MB: median %.3f ms, p10 %.3f ms, p90 %.3f ms\n", 1e3 * seconds[150],
                    1e3 * seconds[30], 1e3 * seconds[270]);
    MPI_Finalize();
    return 0;
}
