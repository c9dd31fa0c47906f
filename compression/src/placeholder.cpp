// Replaced as codecs land.
namespace rawkafka::compression {}
