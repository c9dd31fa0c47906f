#include "common/client_properties.hpp"

#include "rawkafka/client/config.hpp"

namespace rawkafka::tools {

Properties client_properties(const std::string& config_file, const Properties& pairs, const Properties& defaults,
                             const std::string& bootstrap, bool bootstrap_given) {
  Properties given;
  if (!config_file.empty()) given = client::read_properties_file(config_file);
  given.insert(given.end(), pairs.begin(), pairs.end());
  bool given_bootstrap = false;
  for (const auto& [key, value] : given) given_bootstrap |= key == "bootstrap.servers";
  Properties out;
  if (!given_bootstrap) out.emplace_back("bootstrap.servers", bootstrap);
  out.insert(out.end(), defaults.begin(), defaults.end());
  out.insert(out.end(), given.begin(), given.end());
  if (bootstrap_given) out.emplace_back("bootstrap.servers", bootstrap);
  return out;
}

}  // namespace rawkafka::tools
