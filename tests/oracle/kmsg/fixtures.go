package main

// Deterministic fixtures, one per message, kind and version. tests/unit/protocol_messages/
// fixtures.cpp builds the same values field for field; keep the two in step. A field that a
// version does not carry keeps its default, so decoding either side's bytes gives back the
// fixture exactly.

import "github.com/twmb/franz-go/pkg/kmsg"

func str(s string) *string { return &s }

func uuidFrom(first byte) [16]byte {
	var u [16]byte
	for i := range u {
		u[i] = first + byte(i)
	}
	return u
}

var alphaID = uuidFrom(0x10)
var betaID = uuidFrom(0x20)

func pattern(n int, mul, add int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*mul + add)
	}
	return b
}

func produceRequest(v int16) kmsg.Request {
	r := kmsg.NewPtrProduceRequest()
	r.Version = v
	if v%2 == 0 {
		r.TransactionID = str("txn-1")
	}
	r.Acks = -1
	r.TimeoutMillis = 1500
	t := kmsg.NewProduceRequestTopic()
	if v <= 12 {
		t.Topic = "alpha"
	} else {
		t.TopicID = alphaID
	}
	p0 := kmsg.NewProduceRequestTopicPartition()
	p0.Partition = 0
	p0.Records = pattern(70, 7, 3)
	p1 := kmsg.NewProduceRequestTopicPartition()
	p1.Partition = 3
	p1.Records = nil
	t.Partitions = append(t.Partitions, p0, p1)
	r.Topics = append(r.Topics, t)
	return r
}

func produceResponse(v int16) kmsg.Response {
	r := kmsg.NewPtrProduceResponse()
	r.Version = v
	t := kmsg.NewProduceResponseTopic()
	if v <= 12 {
		t.Topic = "alpha"
	} else {
		t.TopicID = alphaID
	}
	p0 := kmsg.NewProduceResponseTopicPartition()
	p0.Partition = 0
	p0.ErrorCode = 0
	p0.BaseOffset = 1234
	p0.LogAppendTime = 99
	if v >= 5 {
		p0.LogStartOffset = 7
	}
	if v >= 8 {
		e0 := kmsg.NewProduceResponseTopicPartitionErrorRecord()
		e0.RelativeOffset = 2
		e0.ErrorMessage = str("bad")
		e1 := kmsg.NewProduceResponseTopicPartitionErrorRecord()
		e1.RelativeOffset = 3
		p0.ErrorRecords = append(p0.ErrorRecords, e0, e1)
		p0.ErrorMessage = str("oops")
	}
	if v >= 10 {
		p0.CurrentLeader.LeaderID = 1
		p0.CurrentLeader.LeaderEpoch = 9
	}
	p1 := kmsg.NewProduceResponseTopicPartition()
	p1.Partition = 3
	p1.ErrorCode = 6
	p1.BaseOffset = -1
	t.Partitions = append(t.Partitions, p0, p1)
	r.Topics = append(r.Topics, t)
	r.ThrottleMillis = 5
	if v >= 10 {
		b := kmsg.NewProduceResponseBroker()
		b.NodeID = 1
		b.Host = "h1"
		b.Port = 9092
		b.Rack = str("rA")
		r.Brokers = append(r.Brokers, b)
	}
	return r
}

func fetchRequest(v int16) kmsg.Request {
	r := kmsg.NewPtrFetchRequest()
	r.Version = v
	r.ReplicaID = -1
	r.MaxWaitMillis = 500
	r.MinBytes = 1
	r.MaxBytes = 52428800
	r.IsolationLevel = 1
	if v >= 7 {
		r.SessionID = 12
		r.SessionEpoch = 3
	}
	t := kmsg.NewFetchRequestTopic()
	if v <= 12 {
		t.Topic = "alpha"
	} else {
		t.TopicID = alphaID
	}
	p0 := kmsg.NewFetchRequestTopicPartition()
	p0.Partition = 0
	if v >= 9 {
		p0.CurrentLeaderEpoch = 4
	}
	p0.FetchOffset = 100
	if v >= 12 {
		p0.LastFetchedEpoch = 3
	}
	p0.PartitionMaxBytes = 1048576
	p1 := kmsg.NewFetchRequestTopicPartition()
	p1.Partition = 1
	p1.FetchOffset = 0
	p1.PartitionMaxBytes = 65536
	t.Partitions = append(t.Partitions, p0, p1)
	r.Topics = append(r.Topics, t)
	if v >= 7 {
		f := kmsg.NewFetchRequestForgottenTopic()
		if v <= 12 {
			f.Topic = "beta"
		} else {
			f.TopicID = betaID
		}
		f.Partitions = []int32{5, 6}
		r.ForgottenTopics = append(r.ForgottenTopics, f)
	}
	if v >= 11 {
		r.Rack = "rack-a"
	}
	return r
}

func fetchResponse(v int16) kmsg.Response {
	r := kmsg.NewPtrFetchResponse()
	r.Version = v
	r.ThrottleMillis = 2
	if v >= 7 {
		r.SessionID = 12
	}
	t := kmsg.NewFetchResponseTopic()
	if v <= 12 {
		t.Topic = "alpha"
	} else {
		t.TopicID = alphaID
	}
	p0 := kmsg.NewFetchResponseTopicPartition()
	p0.Partition = 0
	p0.HighWatermark = 200
	p0.LastStableOffset = 190
	if v >= 5 {
		p0.LogStartOffset = 5
	}
	if v >= 12 {
		p0.DivergingEpoch.Epoch = 3
		p0.DivergingEpoch.EndOffset = 150
		p0.CurrentLeader.LeaderID = 1
		p0.CurrentLeader.LeaderEpoch = 4
	}
	a := kmsg.NewFetchResponseTopicPartitionAbortedTransaction()
	a.ProducerID = 9000
	a.FirstOffset = 120
	p0.AbortedTransactions = append(p0.AbortedTransactions, a)
	if v >= 11 {
		p0.PreferredReadReplica = 2
	}
	p0.RecordBatches = pattern(90, 13, 1)
	p1 := kmsg.NewFetchResponseTopicPartition()
	p1.Partition = 1
	p1.ErrorCode = 1
	p1.HighWatermark = -1
	p1.AbortedTransactions = nil
	p1.RecordBatches = nil
	t.Partitions = append(t.Partitions, p0, p1)
	r.Topics = append(r.Topics, t)
	if v >= 16 {
		b := kmsg.NewFetchResponseBroker()
		b.NodeID = 1
		b.Host = "h1"
		b.Port = 9092
		r.Brokers = append(r.Brokers, b)
	}
	return r
}

func listOffsetsRequest(v int16) kmsg.Request {
	r := kmsg.NewPtrListOffsetsRequest()
	r.Version = v
	r.ReplicaID = -1
	if v >= 2 {
		r.IsolationLevel = 1
	}
	t := kmsg.NewListOffsetsRequestTopic()
	t.Topic = "alpha"
	p0 := kmsg.NewListOffsetsRequestTopicPartition()
	p0.Partition = 0
	if v >= 4 {
		p0.CurrentLeaderEpoch = 4
	}
	p0.Timestamp = -1
	p1 := kmsg.NewListOffsetsRequestTopicPartition()
	p1.Partition = 1
	p1.Timestamp = 1700000000000
	t.Partitions = append(t.Partitions, p0, p1)
	r.Topics = append(r.Topics, t)
	if v >= 10 {
		r.TimeoutMillis = 5000
	}
	return r
}

func listOffsetsResponse(v int16) kmsg.Response {
	r := kmsg.NewPtrListOffsetsResponse()
	r.Version = v
	if v >= 2 {
		r.ThrottleMillis = 3
	}
	t := kmsg.NewListOffsetsResponseTopic()
	t.Topic = "alpha"
	p0 := kmsg.NewListOffsetsResponseTopicPartition()
	p0.Partition = 0
	p0.Timestamp = -1
	p0.Offset = 42
	if v >= 4 {
		p0.LeaderEpoch = 4
	}
	p1 := kmsg.NewListOffsetsResponseTopicPartition()
	p1.Partition = 1
	p1.ErrorCode = 1
	p1.Timestamp = 1700000000000
	p1.Offset = 7
	if v >= 4 {
		p1.LeaderEpoch = 2
	}
	t.Partitions = append(t.Partitions, p0, p1)
	r.Topics = append(r.Topics, t)
	return r
}

func metadataRequest(v int16) kmsg.Request {
	r := kmsg.NewPtrMetadataRequest()
	r.Version = v
	t0 := kmsg.NewMetadataRequestTopic()
	t0.Topic = str("alpha")
	if v >= 10 {
		t0.TopicID = alphaID
	}
	t1 := kmsg.NewMetadataRequestTopic()
	t1.Topic = str("beta")
	r.Topics = append(r.Topics, t0, t1)
	if v >= 4 {
		r.AllowAutoTopicCreation = false
	}
	if v >= 8 && v <= 10 {
		r.IncludeClusterAuthorizedOperations = true
	}
	if v >= 8 {
		r.IncludeTopicAuthorizedOperations = true
	}
	return r
}

func metadataResponse(v int16) kmsg.Response {
	r := kmsg.NewPtrMetadataResponse()
	r.Version = v
	if v >= 3 {
		r.ThrottleMillis = 11
	}
	b0 := kmsg.NewMetadataResponseBroker()
	b0.NodeID = 1
	b0.Host = "broker-1.local"
	b0.Port = 9092
	if v >= 1 {
		b0.Rack = str("r1")
	}
	b1 := kmsg.NewMetadataResponseBroker()
	b1.NodeID = 2
	b1.Host = "b2"
	b1.Port = 9093
	r.Brokers = append(r.Brokers, b0, b1)
	if v >= 2 {
		r.ClusterID = str("cluster-xyz")
	}
	r.ControllerID = -1
	if v >= 1 {
		r.ControllerID = 1
	}
	t0 := kmsg.NewMetadataResponseTopic()
	t0.Topic = str("alpha")
	if v >= 10 {
		t0.TopicID = alphaID
	}
	pa := kmsg.NewMetadataResponseTopicPartition()
	pa.Partition = 0
	pa.Leader = 1
	if v >= 7 {
		pa.LeaderEpoch = 5
	}
	pa.Replicas = []int32{1, 2}
	pa.ISR = []int32{1}
	if v >= 5 {
		pa.OfflineReplicas = []int32{2}
	}
	pb := kmsg.NewMetadataResponseTopicPartition()
	pb.ErrorCode = 6
	pb.Partition = 1
	pb.Leader = 2
	if v >= 7 {
		pb.LeaderEpoch = 6
	}
	pb.Replicas = []int32{2}
	pb.ISR = []int32{2}
	t0.Partitions = append(t0.Partitions, pa, pb)
	if v >= 8 {
		t0.AuthorizedOperations = 0x0ff8
	}
	t1 := kmsg.NewMetadataResponseTopic()
	t1.ErrorCode = 3
	t1.Topic = str("gamma")
	if v >= 1 {
		t1.IsInternal = true
	}
	if v >= 8 {
		t1.AuthorizedOperations = 0
	}
	r.Topics = append(r.Topics, t0, t1)
	if v >= 8 && v <= 10 {
		r.AuthorizedOperations = 0x77
	}
	if v >= 13 {
		r.ErrorCode = 1
	}
	return r
}

func apiVersionsRequest(v int16) kmsg.Request {
	r := kmsg.NewPtrApiVersionsRequest()
	r.Version = v
	if v >= 3 {
		r.ClientSoftwareName = "rawkafka"
		r.ClientSoftwareVersion = "0.1.0-test"
	}
	if v >= 5 {
		r.ClusterID = str("cluster-xyz")
		r.NodeID = 1
	}
	return r
}

func apiVersionsResponse(v int16) kmsg.Response {
	r := kmsg.NewPtrApiVersionsResponse()
	r.Version = v
	for _, k := range [][3]int16{{0, 3, 13}, {1, 4, 17}, {18, 0, 4}} {
		a := kmsg.NewApiVersionsResponseApiKey()
		a.ApiKey, a.MinVersion, a.MaxVersion = k[0], k[1], k[2]
		r.ApiKeys = append(r.ApiKeys, a)
	}
	if v >= 1 {
		r.ThrottleMillis = 7
	}
	if v >= 3 {
		s := kmsg.NewApiVersionsResponseSupportedFeature()
		s.Name, s.MinVersion, s.MaxVersion = "metadata.version", 1, 28
		r.SupportedFeatures = append(r.SupportedFeatures, s)
		r.FinalizedFeaturesEpoch = 42
		f := kmsg.NewApiVersionsResponseFinalizedFeature()
		f.Name, f.MaxVersionLevel, f.MinVersionLevel = "metadata.version", 28, 1
		r.FinalizedFeatures = append(r.FinalizedFeatures, f)
		r.ZkMigrationReady = true
	}
	return r
}

func createTopicsRequest(v int16) kmsg.Request {
	r := kmsg.NewPtrCreateTopicsRequest()
	r.Version = v
	t0 := kmsg.NewCreateTopicsRequestTopic()
	t0.Topic = "alpha"
	t0.NumPartitions = 3
	t0.ReplicationFactor = 1
	c0 := kmsg.NewCreateTopicsRequestTopicConfig()
	c0.Name, c0.Value = "cleanup.policy", str("compact")
	c1 := kmsg.NewCreateTopicsRequestTopicConfig()
	c1.Name = "retention.ms"
	t0.Configs = append(t0.Configs, c0, c1)
	t1 := kmsg.NewCreateTopicsRequestTopic()
	t1.Topic = "beta"
	t1.NumPartitions = -1
	t1.ReplicationFactor = -1
	a0 := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
	a0.Partition, a0.Replicas = 0, []int32{1, 2}
	a1 := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
	a1.Partition, a1.Replicas = 1, []int32{2, 1}
	t1.ReplicaAssignment = append(t1.ReplicaAssignment, a0, a1)
	r.Topics = append(r.Topics, t0, t1)
	r.TimeoutMillis = 30000
	if v >= 1 {
		r.ValidateOnly = true
	}
	return r
}

func createTopicsResponse(v int16) kmsg.Response {
	r := kmsg.NewPtrCreateTopicsResponse()
	r.Version = v
	if v >= 2 {
		r.ThrottleMillis = 4
	}
	t0 := kmsg.NewCreateTopicsResponseTopic()
	t0.Topic = "alpha"
	if v >= 7 {
		t0.TopicID = alphaID
	}
	if v >= 5 {
		t0.NumPartitions = 3
		t0.ReplicationFactor = 1
		c := kmsg.NewCreateTopicsResponseTopicConfig()
		c.Name, c.Value, c.ReadOnly, c.Source, c.IsSensitive = "cleanup.policy", str("compact"), false, 5, false
		t0.Configs = append(t0.Configs, c)
	}
	t1 := kmsg.NewCreateTopicsResponseTopic()
	t1.Topic = "beta"
	t1.ErrorCode = 36
	if v >= 1 {
		t1.ErrorMessage = str("Topic 'beta' already exists.")
	}
	if v >= 5 {
		t1.ConfigErrorCode = 29
		t1.Configs = nil
	}
	r.Topics = append(r.Topics, t0, t1)
	return r
}

func initProducerIDRequest(v int16) kmsg.Request {
	r := kmsg.NewPtrInitProducerIDRequest()
	r.Version = v
	if v%2 == 0 {
		r.TransactionalID = str("txn-2")
	}
	r.TransactionTimeoutMillis = 60000
	if v >= 3 {
		r.ProducerID = 4242
		r.ProducerEpoch = 3
	}
	return r
}

func initProducerIDResponse(v int16) kmsg.Response {
	r := kmsg.NewPtrInitProducerIDResponse()
	r.Version = v
	r.ThrottleMillis = 1
	r.ProducerID = 777
	r.ProducerEpoch = 2
	return r
}

func saslHandshakeRequest(v int16) kmsg.Request {
	r := kmsg.NewPtrSASLHandshakeRequest()
	r.Version = v
	r.Mechanism = "PLAIN"
	return r
}

func saslHandshakeResponse(v int16) kmsg.Response {
	r := kmsg.NewPtrSASLHandshakeResponse()
	r.Version = v
	r.SupportedMechanisms = []string{"PLAIN", "SCRAM-SHA-256"}
	return r
}

func saslAuthenticateRequest(v int16) kmsg.Request {
	r := kmsg.NewPtrSASLAuthenticateRequest()
	r.Version = v
	r.SASLAuthBytes = []byte("\x00user\x00pass")
	return r
}

func saslAuthenticateResponse(v int16) kmsg.Response {
	r := kmsg.NewPtrSASLAuthenticateResponse()
	r.Version = v
	r.ErrorMessage = str("fine")
	r.SASLAuthBytes = []byte("srv")
	if v >= 1 {
		r.SessionLifetimeMillis = 3600000
	}
	return r
}
