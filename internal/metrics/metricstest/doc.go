// Package metricstest records what code emits through a client.MetricsHandler, so tests can
// count it. Give a Handler to a test environment (WorkflowTestSuite.SetMetricsHandler) and
// ask it afterwards. It is for tests only and imports nothing of the engine.
package metricstest
