// The checkpoint of a training command (`sbi train`, `sbi prior train`): after every epoch the
// state of sbi::fit (sbi/fit_checkpoint.h) goes to --checkpoint (OUT.checkpoint), atomically
// and built in memory (io::HdfStaging::kInMemory); --resume continues from it when its
// fingerprint matches the run; a checkpoint that cannot be written (a full disk) leaves the
// previous one, and training goes on, saying so once. remove() after the output is written.
#pragma once

#include <string>
#include <vector>

#include "apps/flags.h"
#include "sbi/trainer.h"

namespace sbi::app {

// The training settings that must match for a checkpoint to be continued (all but
// max_epochs), as text for a fingerprint.
std::string training_settings_text(const TrainOptions& t);

class TrainingCheckpoint {
 public:
  // Refuses a --checkpoint that is one of `inputs`; with --resume reads the checkpoint (which
  // must exist and carry `fingerprint`).
  TrainingCheckpoint(const Flags& flags, const std::string& out_path, std::vector<std::string> inputs,
                     std::string fingerprint);
  TrainingCheckpoint(const TrainingCheckpoint&) = delete;
  TrainingCheckpoint& operator=(const TrainingCheckpoint&) = delete;

  // Sets options->resume (when resuming) and options->on_checkpoint; both refer to this object.
  void attach(TrainOptions* options);
  void remove() const;
  // Off: this process reads the checkpoint to resume but never writes or removes it (the
  // ranks other than 0 of a training run across processes).
  void set_writer(bool writes) { writes_ = writes; }

 private:
  std::string path_, fingerprint_;
  std::vector<std::string> inputs_;
  bool resuming_ = false;
  bool failed_ = false;
  bool writes_ = true;
  FitCheckpoint resume_from_;
};

}  // namespace sbi::app
