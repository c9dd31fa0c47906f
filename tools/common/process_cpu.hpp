#pragma once
// CPU time of this whole process so far (getrusage), for the tools' "client CPU" lines.

#include <sys/resource.h>

namespace rawkafka::tools {

// User and system seconds; returns their sum.
inline double process_cpu_seconds(double& user, double& sys) {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  user = double(ru.ru_utime.tv_sec) + double(ru.ru_utime.tv_usec) / 1e6;
  sys = double(ru.ru_stime.tv_sec) + double(ru.ru_stime.tv_usec) / 1e6;
  return user + sys;
}

}  // namespace rawkafka::tools
