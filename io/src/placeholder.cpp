// Replaced as codecs land.
namespace rawkafka::io {}
