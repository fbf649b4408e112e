# SPDX-License-Identifier: MIT
# Scenarios for the Fashion-MNIST trainer, run by ctest:
#   cmake -DTRAINER=<exe> -DDATA=<dir> -DSCENARIO=<name> -DWORK=<scratch dir> -P trainer.cmake
# Runs are short (a few thousand training examples, no gradient check) so that the
# suite stays fast; what they prove does not depend on the data's size.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(small --train-limit 1024 --batch 64 --hidden 32 --no-gradcheck)

include(${CMAKE_CURRENT_LIST_DIR}/../support/scenario.cmake)

# run(<expected status> <output variable> args...): runs the trainer, checks its status.
function(run expect out)
  run_command(${expect} o ${TRAINER} ${ARGN})
  set(${out} "${o}" PARENT_SCOPE)
endfunction()

# write_hex(<path> <hex digits>): writes those bytes (CMake's file() writes text only).
function(write_hex path hex)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
  execute_process(COMMAND printf "${escaped}" OUTPUT_FILE ${path})
endfunction()

# expect_resumed_at_epoch_2(<output>): the run said it resumed after epoch 1 and trained
# epoch 2 only (a trainer that ignored --resume would train epoch 1 again).
function(expect_resumed_at_epoch_2 text)
  expect_match("${text}" "resumed from .* after epoch 1\n")
  expect_match("${text}" "\nepoch 2/2  train_loss=")
  if(text MATCHES "epoch 1/2  train_loss=")
    message(FATAL_ERROR "the resumed run trained epoch 1 again")
  endif()
endfunction()

# expect_gradcheck_within(<output>): the gradient check's line, each figure within the
# tolerance gradcheck uses in double (include/typegrad/gradcheck.hpp): 1e-10 between
# typegrad and the manual reference, 1e-6 between either and finite differences.
function(expect_gradcheck_within text)
  set(n "([0-9.e+-]+)")
  if(NOT text MATCHES "gradcheck: max_rel typegrad_vs_manual=${n} typegrad_vs_fd=${n} manual_vs_fd=${n}\n")
    message(FATAL_ERROR "no gradcheck line")
  endif()
  set(manual ${CMAKE_MATCH_1})
  set(fd ${CMAKE_MATCH_2})
  set(manual_fd ${CMAKE_MATCH_3})
  if(NOT manual LESS_EQUAL 1e-10 OR NOT fd LESS_EQUAL 1e-6 OR NOT manual_fd LESS_EQUAL 1e-6)
    message(FATAL_ERROR "gradcheck over tolerance: ${manual} ${fd} ${manual_fd}")
  endif()
endfunction()

if(SCENARIO STREQUAL "short_run")
  # Even 2 epochs on 2048 images learn far beyond chance (0.1): the loop, the
  # optimiser and the evaluation are wired together correctly.
  run(0 out --epochs 2 --train-limit 2048 --batch 64 --hidden 64)
  expect_gradcheck_within("${out}")
  expect_match("${out}" "epoch 2/2  train_loss=[0-9.]+  test_accuracy=[0-9.]+  seconds=")
  string(REGEX MATCH "test_accuracy=([0-9.]+)\n$" last "${out}")
  if(NOT last OR CMAKE_MATCH_1 LESS 0.6)
    message(FATAL_ERROR "last line is not test_accuracy=<fraction> at or above 0.6")
  endif()

elseif(SCENARIO STREQUAL "resume")
  # Two epochs straight and 1 + 1 with a save and a resume between must leave the
  # same checkpoint byte for byte: parameters, Adam's moments and step count.
  run(0 out ${small} --epochs 2 --save ${WORK}/straight.ckpt)
  run(0 out ${small} --epochs 1 --save ${WORK}/split.ckpt)
  run(0 out ${small} --epochs 2 --resume ${WORK}/split.ckpt --save ${WORK}/split.ckpt)
  expect_resumed_at_epoch_2("${out}")
  expect_same_bytes(${WORK}/straight.ckpt ${WORK}/split.ckpt "resumed training differs from straight training")
  # The same with SGD and momentum, whose state is the velocity.
  run(0 out ${small} --optimizer sgd --lr 0.05 --epochs 2 --save ${WORK}/sgd_straight.ckpt)
  run(0 out ${small} --optimizer sgd --lr 0.05 --epochs 1 --save ${WORK}/sgd_split.ckpt)
  run(0 out ${small} --optimizer sgd --lr 0.05 --epochs 2 --resume ${WORK}/sgd_split.ckpt
      --save ${WORK}/sgd_split.ckpt)
  expect_resumed_at_epoch_2("${out}")
  expect_same_bytes(${WORK}/sgd_straight.ckpt ${WORK}/sgd_split.ckpt
                    "resumed SGD training differs from straight training")
  # A checkpoint keeps the learning-rate schedule and the rate it started from: resumed
  # without --lr and --lr-schedule, a cosine run from lr 0.01 goes on annealing from 0.01
  # (epoch 2 of 2 at 0.005), not from the default 1e-3 at a constant rate.
  set(cosine --lr-schedule cosine --lr 0.01)
  run(0 out ${small} ${cosine} --epochs 2 --save ${WORK}/cos_straight.ckpt)
  run(0 out ${small} ${cosine} --epochs 1 --save ${WORK}/cos_split.ckpt)
  run(0 out ${small} --epochs 2 --resume ${WORK}/cos_split.ckpt --save ${WORK}/cos_split.ckpt)
  expect_resumed_at_epoch_2("${out}")
  expect_match("${out}" "learning rate: cosine from 0.01 ")
  expect_same_bytes(${WORK}/cos_straight.ckpt ${WORK}/cos_split.ckpt
                    "a cosine run resumed without --lr differs from straight training")
  # What the resuming command gives wins: here a constant rate of 0.002.
  run(0 out ${small} --epochs 3 --resume ${WORK}/cos_split.ckpt --lr-schedule constant --lr 0.002)
  expect_match("${out}" "learning rate: constant 0.002 ")

elseif(SCENARIO STREQUAL "lenet_resume")
  # LeNet-5 (--model lenet): its printed model, the last line, and exact resume.
  set(lenet --model lenet --train-limit 512 --no-gradcheck)
  run(0 out ${lenet} --epochs 2 --save ${WORK}/straight.ckpt)
  expect_match("${out}" "z1 = conv1.K patches\\(x\\) \\+ conv1.b")
  expect_match("${out}" "test_accuracy=[0-9.]+\n$")
  run(0 out ${lenet} --epochs 1 --save ${WORK}/split.ckpt)
  run(0 out ${lenet} --epochs 2 --resume ${WORK}/split.ckpt --save ${WORK}/split.ckpt)
  expect_match("${out}" "resumed from .* after epoch 1")
  expect_same_bytes(${WORK}/straight.ckpt ${WORK}/split.ckpt "resumed LeNet-5 training differs from straight training")

elseif(SCENARIO STREQUAL "convnet_resume")
  # The convnet with dropout (--model convnet): its masks appear in the printed model, and
  # because they are drawn from (seed, epoch, batch) alone a resumed run draws the same
  # ones: it ends on the same bytes. A different seed draws other masks (and weights).
  set(convnet --model convnet --train-limit 256 --test-limit 500 --no-gradcheck)
  run(0 out ${convnet} --epochs 2 --save ${WORK}/straight.ckpt)
  expect_match("${out}" "drop1.mask")
  expect_match("${out}" "test_accuracy=[0-9.]+\n$")
  run(0 out ${convnet} --epochs 1 --save ${WORK}/split.ckpt)
  run(0 out ${convnet} --epochs 2 --resume ${WORK}/split.ckpt --save ${WORK}/split.ckpt)
  expect_resumed_at_epoch_2("${out}")
  expect_same_bytes(${WORK}/straight.ckpt ${WORK}/split.ckpt "resumed convnet training differs from straight training")

elseif(SCENARIO STREQUAL "gradcheck_models")
  # The check runs on the model being trained: each activation, depths 1, 2 and 4
  # (a bare --hidden means no hidden layer), and LeNet-5, whose zero starting biases put
  # the conv units over blank patches exactly on their relu kink (checked one-sided);
  # then the convnet with dropout.
  foreach(args "--activation sigmoid --hidden 16" "--activation relu --hidden 24,16,8" "--activation tanh --hidden"
               "--model lenet")
    separate_arguments(a UNIX_COMMAND "${args}")
    run(0 out --epochs 1 --train-limit 256 --batch 64 ${a})
    expect_gradcheck_within("${out}")
  endforeach()
  # The convnet has no reference: typegrad against kink-aware finite differences alone,
  # 8 entries of each of its 8 tensors, every one of them compared.
  run(0 out --model convnet --epochs 1 --train-limit 256 --test-limit 500)
  set(n "([0-9.e+-]+)")
  if(NOT out MATCHES "gradcheck: max_rel typegrad_vs_fd=${n} \\(no hand-written reference for this model: ([0-9]+) entries, [0-9]+ of them one-sided beside a kink, ([0-9]+) left out\\)\n")
    message(FATAL_ERROR "no gradcheck line for the convnet:\n${out}")
  endif()
  if(NOT CMAKE_MATCH_1 LESS_EQUAL 1e-6 OR NOT CMAKE_MATCH_2 EQUAL 64)
    message(FATAL_ERROR "convnet gradcheck: max_rel ${CMAKE_MATCH_1} over 1e-6, or ${CMAKE_MATCH_2} entries instead of 64")
  endif()

elseif(SCENARIO STREQUAL "invalid_options")
  run(2 out --batch 0)
  expect_match("${out}" "--batch")
  run(2 out --hidden 256,0)
  expect_match("${out}" "--hidden")
  run(2 out --hidden 8,8,8,8)
  expect_match("${out}" "--hidden")
  run(2 out --activation swish)
  expect_match("${out}" "swish")
  run(2 out --optimizer rmsprop)
  expect_match("${out}" "rmsprop")
  run(2 out --lr -1)
  expect_match("${out}" "--lr")
  run(2 out --data-dir ${WORK}/nowhere)
  expect_match("${out}" "nowhere")
  run(2 out --resume ${WORK}/missing.ckpt)
  expect_match("${out}" "missing.ckpt")
  run(2 out --epochs)
  run(2 out --unknown-flag)

elseif(SCENARIO STREQUAL "corrupt_data")
  # A data folder whose training images are cut short.
  file(MAKE_DIRECTORY ${WORK}/data)
  foreach(f train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
    file(COPY ${DATA}/${f} DESTINATION ${WORK}/data)
  endforeach()
  file(READ ${DATA}/train-images-idx3-ubyte.gz head LIMIT 5000 HEX)
  write_hex(${WORK}/data/train-images-idx3-ubyte.gz "${head}")
  run(1 out --data-dir ${WORK}/data ${small})
  expect_match("${out}" "train-images-idx3-ubyte")

elseif(SCENARIO STREQUAL "corrupt_checkpoint")
  # A good checkpoint with one byte flipped in the middle, then one cut short: each is
  # refused, and neither is overwritten although --save names it.
  run(0 out ${small} --epochs 1 --save ${WORK}/good.ckpt)
  file(READ ${WORK}/good.ckpt bytes HEX)
  string(LENGTH "${bytes}" n)
  math(EXPR half "${n} / 4 * 2")
  string(SUBSTRING "${bytes}" 0 ${half} front)
  math(EXPR rest "${half} + 2")
  string(SUBSTRING "${bytes}" ${rest} -1 back)
  string(SUBSTRING "${bytes}" ${half} 2 byte)
  if(byte STREQUAL "ff")
    set(byte "00")
  else()
    set(byte "ff")
  endif()
  foreach(kind flipped truncated)
    if(kind STREQUAL "flipped")
      set(hex "${front}${byte}${back}")
    else()
      set(hex "${front}")
    endif()
    write_hex(${WORK}/${kind}.ckpt "${hex}")
    file(COPY_FILE ${WORK}/${kind}.ckpt ${WORK}/${kind}.before)
    run(1 out ${small} --epochs 2 --resume ${WORK}/${kind}.ckpt --save ${WORK}/${kind}.ckpt)
    expect_match("${out}" "${kind}.ckpt")
    expect_same_bytes(${WORK}/${kind}.ckpt ${WORK}/${kind}.before "the refused checkpoint ${kind}.ckpt was modified")
  endforeach()

elseif(SCENARIO STREQUAL "other_model")
  # A checkpoint of a 32-unit model does not fit a 48-unit one: refused, naming shapes.
  run(0 out ${small} --epochs 1 --save ${WORK}/h32.ckpt)
  file(COPY_FILE ${WORK}/h32.ckpt ${WORK}/h32.before)
  run(1 out --train-limit 1024 --batch 64 --hidden 48 --no-gradcheck --epochs 2
      --resume ${WORK}/h32.ckpt --save ${WORK}/h32.ckpt)
  expect_match("${out}" "fc1.W")
  expect_match("${out}" "32")
  expect_match("${out}" "48")
  expect_same_bytes(${WORK}/h32.ckpt ${WORK}/h32.before "the refused checkpoint was modified")

elseif(SCENARIO STREQUAL "anomaly")
  # An absurd learning rate overflows the weights within a few steps; with anomaly
  # detection the run stops at the first non-finite node and names it.
  run(1 out ${small} --epochs 1 --lr 1e30 --detect-anomalies)
  expect_match("${out}" "typegrad: anomaly: .* (forward|backward) pass is (NaN|[+-]inf) at")

else()
  message(FATAL_ERROR "unknown scenario ${SCENARIO}")
endif()
