# SPDX-License-Identifier: MIT
# Scenarios for data-parallel training, run by ctest:
#   cmake -DTRAINER=<exe> -DMPIEXEC=<mpirun> -DCOMPARE=<checkpoint_compare> -DDATA=<dir>
#         -DSCENARIO=<name> -DWORK=<scratch dir> -P distributed.cmake
# Runs are short (512 training images, a 32-unit hidden layer, 8 steps per epoch) so that the
# suite stays fast; what they prove does not depend on the data's size.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(data --train-limit 512 --hidden 32 --no-gradcheck)
set(small ${data} --batch 64)
include(${CMAKE_CURRENT_LIST_DIR}/../support/scenario.cmake)

# mpi(<expected status> <output variable> <ranks> trainer arguments...)
function(mpi expect out ranks)
  run_command(${expect} o ${MPIEXEC} -np ${ranks} --oversubscribe --bind-to none ${TRAINER} --distributed ${ARGN})
  set(${out} "${o}" PARENT_SCOPE)
endfunction()

function(expect_count text regex count)
  string(REGEX MATCHALL "${regex}" found "${text}")
  list(LENGTH found n)
  if(NOT n EQUAL count)
    message(FATAL_ERROR "'${regex}' appears ${n} times, expected ${count}")
  endif()
endfunction()

# now_ms(<variable>): wall-clock milliseconds since 1970, for the time-bound checks.
function(now_ms var)
  string(TIMESTAMP s "%s" UTC)
  string(TIMESTAMP us "%f" UTC)
  math(EXPR ms "${s} * 1000 + ${us} / 1000")
  set(${var} ${ms} PARENT_SCOPE)
endfunction()

# expect_stopped_within(<output> <bound ms>): the faulty rank printed when it failed
# ("at_ms=<wall-clock ms>"); the job must have ended within the bound after that.
function(expect_stopped_within out bound)
  now_ms(end)
  if(NOT out MATCHES "at_ms=([0-9]+)")
    message(FATAL_ERROR "the fault was not injected")
  endif()
  math(EXPR elapsed "${end} - ${CMAKE_MATCH_1}")
  message("the job ended ${elapsed} ms after the fault (bound ${bound} ms)")
  if(elapsed GREATER bound)
    message(FATAL_ERROR "the job took ${elapsed} ms to stop after the fault")
  endif()
endfunction()

if(SCENARIO STREQUAL "equivalence_adam")
  # One rank under mpirun is the single process, bit for bit (its share of the batch is 1).
  run_command(0 out ${TRAINER} ${small} --epochs 2 --save ${WORK}/one.ckpt)
  mpi(0 out 1 ${small} --epochs 2 --save ${WORK}/one_rank.ckpt)
  expect_same_bytes(${WORK}/one.ckpt ${WORK}/one_rank.ckpt "--distributed on one rank differs from one process")
  # N ranks with global batch 64 train to the weights of one process with batch 64, up to the
  # rounding of the sum order: each rank sums 64/N columns in its gemm, then MPI sums N partial
  # sums. The tolerance, relative to each tensor's largest entry (parameters and Adam's
  # moments) after these 16 steps, is 40x the largest difference measured (4.8e-7; README).
  foreach(ranks 2 4)
    mpi(0 out ${ranks} ${small} --epochs 2 --save ${WORK}/${ranks}.ckpt)
    expect_count("${out}" "epoch [12]/2  train_loss" 2) # rank 0 alone prints
    expect_count("${out}" "\ntest_accuracy=" 1)
    expect_match("${out}" "distributed: ranks=${ranks} buckets=[0-9]+ overlap=on compute_ms_per_step=")
    run_command(0 cmp ${COMPARE} ${WORK}/one.ckpt ${WORK}/${ranks}.ckpt 2e-5)
  endforeach()

elseif(SCENARIO STREQUAL "equivalence_sgd")
  # The same with SGD and momentum (measured 2.4e-7). Without overlap and with other buckets
  # the sums are the same: on 2 ranks each is one addition, whatever algorithm Open MPI picks
  # for the message size, so the weights are bit for bit those with overlap.
  run_command(0 out ${TRAINER} ${small} --epochs 2 --optimizer sgd --save ${WORK}/one.ckpt)
  mpi(0 out 2 ${small} --epochs 2 --optimizer sgd --save ${WORK}/two.ckpt)
  run_command(0 cmp ${COMPARE} ${WORK}/one.ckpt ${WORK}/two.ckpt 2e-5)
  mpi(0 out 2 ${small} --epochs 2 --optimizer sgd --no-overlap --bucket-kb 16 --save ${WORK}/two_no_overlap.ckpt)
  expect_match("${out}" "overlap=off")
  expect_same_bytes(${WORK}/two.ckpt ${WORK}/two_no_overlap.ckpt "overlap or bucketing changed the result")

elseif(SCENARIO STREQUAL "equivalence_uneven")
  # 500 images in batches of 64 leave a last batch of 52: 13 columns per rank on 4 ranks, each
  # rank's gradient weighted by its share (measured 1.8e-7).
  run_command(0 out ${TRAINER} --train-limit 500 --batch 64 --hidden 32 --no-gradcheck --optimizer sgd --save ${WORK}/one.ckpt --epochs 1)
  mpi(0 out 4 --train-limit 500 --batch 64 --hidden 32 --no-gradcheck --optimizer sgd --save ${WORK}/four.ckpt --epochs 1)
  run_command(0 cmp ${COMPARE} ${WORK}/one.ckpt ${WORK}/four.ckpt 2e-5)

elseif(SCENARIO STREQUAL "equivalence_lenet")
  # LeNet-5 (--model lenet, its default batch 64): its convolutions' gradients are summed
  # across 2 ranks as the dense layers' are. The weights and Adam's moments after the 8 steps
  # agree with one process's to 1e-4, 12x the largest difference measured (8.0e-6, in fc2.W;
  # the dense model's scenarios measure 5e-7).
  set(lenet --model lenet --train-limit 512 --no-gradcheck --epochs 1)
  run_command(0 out ${TRAINER} ${lenet} --save ${WORK}/one.ckpt)
  mpi(0 out 2 ${lenet} --save ${WORK}/two.ckpt)
  expect_match("${out}" "distributed: ranks=2 ")
  run_command(0 cmp ${COMPARE} ${WORK}/one.ckpt ${WORK}/two.ckpt 1e-4)

elseif(SCENARIO STREQUAL "equivalence_convnet")
  # The convnet with dropout: each rank draws the whole global batch's masks and keeps its
  # own columns, so 2 ranks apply the masks one process applies. 200 examples at batch 64
  # end on a batch of 8 columns, split 4 and 4. With SGD the weights move linearly in the
  # gradients, whose sums differ in rounding only: measured 2.2e-6 (conv1.b) on an AVX-512
  # machine, against 2e-5; each rank drawing the first columns' masks instead gives 0.29.
  # (Adam divides by √v, which turns rounding-level gradients into whole steps: with Adam
  # the same runs differed by 1.1e-4 on that machine, and LeNet-5 covers Adam above.)
  set(convnet --model convnet --train-limit 200 --test-limit 200 --no-gradcheck --epochs 1 --optimizer sgd)
  run_command(0 out ${TRAINER} ${convnet} --save ${WORK}/one.ckpt)
  mpi(0 out 2 ${convnet} --save ${WORK}/two.ckpt)
  expect_match("${out}" "distributed: ranks=2 ")
  run_command(0 cmp ${COMPARE} ${WORK}/one.ckpt ${WORK}/two.ckpt 2e-5)

elseif(SCENARIO STREQUAL "replicas")
  mpi(0 out 2 ${small} --epochs 2 --check-replicas)
  # One ulp added to one weight on rank 1 after epoch 1 is found and named, by rank 0 only.
  mpi(1 out 2 ${small} --epochs 2 --check-replicas --fault diverge:1)
  expect_match("${out}" "replicas diverged after epoch 1 \\(1 parameter copies differ from rank 0's\\):\n  fc1.W: rank 1 has checksum [0-9a-f]+, rank 0 has [0-9a-f]+")
  expect_count("${out}" "replicas diverged" 1)
  if(out MATCHES "epoch 2/2")
    message(FATAL_ERROR "training went on after the divergence")
  endif()

elseif(SCENARIO STREQUAL "resume")
  # Two epochs straight and 1 + 1 with a resume, both on 2 ranks: the same bytes.
  mpi(0 out 2 ${small} --epochs 2 --save ${WORK}/straight.ckpt)
  mpi(0 out 2 ${small} --epochs 1 --save ${WORK}/split.ckpt)
  mpi(0 out 2 ${small} --epochs 2 --resume ${WORK}/split.ckpt --save ${WORK}/split.ckpt)
  expect_match("${out}" "resumed from .* after epoch 1")
  expect_same_bytes(${WORK}/straight.ckpt ${WORK}/split.ckpt "resumed training on 2 ranks differs from straight training")
  # The checkpoint does not depend on the number of ranks: 2 ranks' epoch 1 continues on 4 and on 1.
  mpi(0 out 2 ${small} --epochs 1 --save ${WORK}/two.ckpt)
  mpi(0 out 4 ${small} --epochs 2 --resume ${WORK}/two.ckpt --save ${WORK}/four.ckpt)
  expect_match("${out}" "resumed from .* after epoch 1")
  run_command(0 out ${TRAINER} ${small} --epochs 2 --resume ${WORK}/two.ckpt --save ${WORK}/one.ckpt)
  run_command(0 cmp ${COMPARE} ${WORK}/one.ckpt ${WORK}/four.ckpt 2e-5)

elseif(SCENARIO STREQUAL "dead_rank")
  # Rank 1 is killed (SIGKILL) at step 12, in epoch 2, after rank 0 saved epoch 1. mpirun
  # notices, names rank 1 and stops the job (Open MPI 4.1 does not let survivors continue);
  # the checkpoint of epoch 1 is whole.
  mpi(nonzero out 2 ${small} --epochs 3 --save ${WORK}/run.ckpt --fault die:1:12)
  expect_stopped_within("${out}" 10000)
  expect_match("${out}" "rank 1")
  expect_match("${out}" "signal 9")
  if(out MATCHES "epoch 2/3")
    message(FATAL_ERROR "epoch 2 finished although rank 1 died in it")
  endif()
  run_command(0 out ${TRAINER} ${small} --epochs 2 --resume ${WORK}/run.ckpt)
  expect_match("${out}" "resumed from .* after epoch 1")

elseif(SCENARIO STREQUAL "silent_rank")
  # Rank 1 stops itself (SIGSTOP) at step 12: alive for the operating system, silent for MPI,
  # as a peer behind a broken network. Rank 0 waits --timeout 2 s, asks every peer, waits 2 s
  # for an answer, names rank 1 and stops the job; the checkpoint of epoch 1 is whole.
  mpi(nonzero out 2 ${small} --epochs 3 --save ${WORK}/run.ckpt --fault stall:1:12 --timeout 2)
  expect_stopped_within("${out}" 14000) # 2 s + 2 s, the rest for mpirun and a loaded machine
  expect_match("${out}" "typegrad: distributed: rank 1 does not respond \\(dead, stopped or unreachable\\): the gradient sum did not complete within 2 s")
  expect_count("${out}" "does not respond" 1)
  run_command(0 out ${TRAINER} ${small} --epochs 2 --resume ${WORK}/run.ckpt)
  expect_match("${out}" "resumed from .* after epoch 1")

elseif(SCENARIO STREQUAL "refused")
  # A global batch the ranks cannot share equally: refused before training, said once.
  mpi(2 out 4 ${data} --batch 66)
  expect_match("${out}" "--batch 66 is the global batch and must be a multiple of the 4 ranks")
  expect_count("${out}" "must be a multiple" 1)
  # A data file missing on rank 1 only (its own --data-dir): every rank stops, one message names
  # rank 1 and the file.
  file(MAKE_DIRECTORY ${WORK}/partial)
  foreach(f train-images-idx3-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
    file(COPY ${DATA}/${f} DESTINATION ${WORK}/partial)
  endforeach()
  run_command(1 out ${MPIEXEC} --oversubscribe --bind-to none -np 1 ${TRAINER} --distributed ${small} :
      -np 1 ${TRAINER} --distributed ${small} --data-dir ${WORK}/partial)
  expect_match("${out}" "train_fashion_mnist: rank 1: .*train-labels-idx1-ubyte")
  expect_count("${out}" "train-labels-idx1-ubyte" 1)
  if(out MATCHES "epoch 1/")
    message(FATAL_ERROR "training started although rank 1 had no labels")
  endif()
  # A directory that does not exist on rank 1: refused at parse time, once.
  run_command(2 out ${MPIEXEC} --oversubscribe --bind-to none -np 1 ${TRAINER} --distributed ${small} :
      -np 1 ${TRAINER} --distributed ${small} --data-dir ${WORK}/nowhere)
  expect_match("${out}" "rank 1: .*nowhere")
  expect_count("${out}" "nowhere" 1)

else()
  message(FATAL_ERROR "unknown scenario ${SCENARIO}")
endif()
