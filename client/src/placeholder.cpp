// Replaced as codecs land.
namespace rawkafka::client {}
