#pragma once
// The properties a tool hands its client, from the places a perf tool takes them: a Java
// .properties file (--producer.config / --consumer.config), then key=value pairs over it
// (--producer-props / --consumer-props), then --bootstrap-server over both when it was given.

#include <string>
#include <utility>
#include <vector>

namespace rawkafka::tools {

using Properties = std::vector<std::pair<std::string, std::string>>;

// In the order the client applies them (later pairs win): bootstrap.servers = `bootstrap` when
// neither the file nor the pairs name it, then `defaults` (the tool's flags that the file and
// pairs may override), the file's, the pairs, and `bootstrap` again when `bootstrap_given`.
// Throws client::ConfigError naming the file when it cannot be read.
Properties client_properties(const std::string& config_file, const Properties& pairs, const Properties& defaults,
                             const std::string& bootstrap, bool bootstrap_given);

}  // namespace rawkafka::tools
