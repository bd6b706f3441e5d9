// checkpoint.h5: the state of a training run at the end of an epoch (sbi/trainer.h's
// FitCheckpoint), written after every epoch by `sbi train` so that `sbi train --resume`
// continues a killed run to the same weights as an uninterrupted one.
//
//   /  attrs: format = "sbi-toolkit checkpoint", format_version 1, fingerprint (what the run
//      must match to be continued: data, model, training settings), epoch, learning_rate,
//      since_best, best_epoch, best_loss, non_finite_restarts, restarts_note, seconds,
//      adam_steps, num_terms (the objective's loss terms), shards (of each batch, sbi/
//      data_parallel.h; absent in older checkpoints: 1), processes (of a run across
//      processes, sbi/objective.h's GradientReduction; absent: 1)
//   /weights, /best_weights, /adam_m, /adam_v (flattened in parameter order)
//   /carried_state (Objective::carried_state of the objective's shards, concatenated, process after
//      process; int64 bit patterns of their uint64 words)
//   /history/{train_loss, validation_loss, seconds} (E,), /history/{train_terms,
//      validation_terms} (E, T)
#pragma once

#include <string>
#include <vector>

#include "io/h5_file.h"
#include "sbi/trainer.h"

namespace sbi {

void write_fit_checkpoint(io::H5File& f, const FitCheckpoint& checkpoint, const std::string& fingerprint);

// Reads a checkpoint; throws core::Error naming the file if it is not one, is damaged, or its
// fingerprint differs from `fingerprint` (then it says what to do: another --out, or a run
// without --resume).
FitCheckpoint read_fit_checkpoint(const std::string& path, const std::string& fingerprint);


}  // namespace sbi
