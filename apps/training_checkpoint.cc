#include "apps/training_checkpoint.h"

#include <cstdio>
#include <fstream>

#include "apps/progress_reporter.h"
#include "core/error.h"
#include "io/h5_file.h"
#include "io/output_files.h"
#include "sbi/fit_checkpoint.h"

namespace sbi::app {

std::string training_settings_text(const TrainOptions& t) {
  char settings[400];
  std::snprintf(settings, sizeof settings,
                "batch %d lr %.17g patience %d plateau %d min_lr %.17g validation %.17g clip %.17g seed %llu "
                "pretrain %d shuffle %ld/%ld",
                t.batch_size, t.learning_rate, t.patience, t.lr_plateau, t.min_learning_rate,
                t.validation_fraction, t.clip_grad_norm, static_cast<unsigned long long>(t.seed),
                t.pretrain_epochs, t.chunked_shuffle.chunk_rows, t.chunked_shuffle.window_chunks);
  std::string text = settings;
  // (Added only when used, so that the checkpoints of plain NPE runs keep their prints.)
  if (!t.symmetries.empty()) text += " augment " + std::to_string(t.symmetries.size() + 1);
  if (t.balance > 0) {
    std::snprintf(settings, sizeof settings, " balance %.17g", t.balance);
    text += settings;
  }
  return text;
}

TrainingCheckpoint::TrainingCheckpoint(const Flags& flags, const std::string& out_path,
                                       std::vector<std::string> inputs, std::string fingerprint)
    : path_(flags.get("checkpoint", out_path + ".checkpoint")),
      fingerprint_(std::move(fingerprint)),
      inputs_(std::move(inputs)) {
  for (const std::string& input : inputs_)
    core::check(input.empty() || path_ != input, "--checkpoint " + path_ + " is an input file; choose another name");
  if (!flags.on("resume")) return;
  core::check(std::ifstream(path_).good(), "--resume: no checkpoint " + path_ +
                                               " to continue from (it is written after every epoch and "
                                               "removed when training ends)");
  resume_from_ = read_fit_checkpoint(path_, fingerprint_);
  resuming_ = true;
  log_line("resuming after epoch %d of %s (best validation loss %.4f at epoch %d)", resume_from_.epoch,
           path_.c_str(), resume_from_.best_loss, resume_from_.best_epoch);
}

void TrainingCheckpoint::attach(TrainOptions* options) {
  if (resuming_) options->resume = &resume_from_;
  options->on_checkpoint = [this](const FitCheckpoint& c) {
    if (!writes_) return;
    try {
      io::write_hdf5_file(path_, [&](io::H5File& f) { write_fit_checkpoint(f, c, fingerprint_); }, inputs_,
                          io::HdfStaging::kInMemory);
    } catch (const core::Error& e) {
      if (!failed_)
        log_line("warning: no checkpoint after epoch %d (%s); training goes on, and --resume would start "
                 "from the last checkpoint written", c.epoch, e.what());
      failed_ = true;
    }
  };
}

void TrainingCheckpoint::remove() const {
  if (writes_) std::remove(path_.c_str());
}

}  // namespace sbi::app
