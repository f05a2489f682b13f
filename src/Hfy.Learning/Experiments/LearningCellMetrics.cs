namespace Hfy.Learning.Experiments;

/// <summary>
/// What one learning cell measured (stored with the cell; kinds <c>mil</c> and <c>rationale</c>).
/// </summary>
/// <param name="Task">mil or rationale.</param>
/// <param name="Dataset">elephant, fox, tiger, fashion, or the rationale task name.</param>
/// <param name="Map">The pooling map's label.</param>
/// <param name="Config">Index of the hyper-parameter configuration in the spec's grid.</param>
/// <param name="Hyper">The configuration as text.</param>
/// <param name="Fold">Outer fold (0 for protocols without folds).</param>
/// <param name="Seed">Seed (split seed for MIL, data seed for rationale).</param>
/// <param name="Phase">1: grid search (seed 0); 2: reruns of the chosen configuration.</param>
/// <param name="TrainAuc">Training ROC-AUC.</param>
/// <param name="ValidationAuc">Validation ROC-AUC.</param>
/// <param name="TestAuc">Test ROC-AUC.</param>
/// <param name="TestAccuracy">Test accuracy.</param>
/// <param name="ValidationAccuracy">Validation accuracy.</param>
/// <param name="FinalLoss">Mean training loss of the last epoch.</param>
/// <param name="Seconds">Wall time of the cell.</param>
/// <param name="BagsPerSecond">Training steps per second.</param>
/// <param name="Precision">Rationale: fraction of selected tokens inside the planted span.</param>
/// <param name="Runs">Rationale: mean number of contiguous runs of the selected tokens.</param>
/// <param name="Recall">Rationale: fraction of the planted span selected.</param>
public sealed record LearningCellMetrics(
    string Task,
    string Dataset,
    string Map,
    int Config,
    string Hyper,
    int Fold,
    int Seed,
    int Phase,
    double TrainAuc,
    double ValidationAuc,
    double TestAuc,
    double TestAccuracy,
    double ValidationAccuracy,
    double FinalLoss,
    double Seconds,
    double BagsPerSecond,
    double? Precision = null,
    double? Runs = null,
    double? Recall = null);
