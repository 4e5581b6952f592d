import IBPFormats
import IBPRender

/// The sizes of the tile figures, known from the checkpoints' stage outlines and the flags before any bound is
/// computed, and the check against `FigureSizeLimit` that refuses them in one line naming the flags
/// (issue #11 kind 4).
extension FigureRenderer {
    /// The title of a `methods` column: "CROWN-IBP · model.ckpt".
    static func methodTitle(_ method: BoundMethodName, _ model: FigureModel) -> String {
        "\(method.rawValue.uppercased()) · \(model.name)"
    }

    /// The size of the `compare` figure of `models`: one column per model.
    public static func compareSize(_ models: [FigureModel], epsilon: Float, options: FigureOptions,
                                   fonts: FontSet) -> (width: Double, height: Double) {
        ComparisonFigure(scale: options.scale, maxChannels: options.maxChannels, sharedScale: options.sharedScale)
            .size(models.map { $0.spec(method: options.bounds, epsilon: epsilon, perturbation: options.perturbation) },
                  fonts: fonts)
    }

    /// The size of the `methods` figure of `model`: one column per method.
    public static func methodsSize(_ model: FigureModel, epsilon: Float, methods: [BoundMethodName], options: FigureOptions,
                                   fonts: FontSet) -> (width: Double, height: Double) {
        ComparisonFigure(scale: options.scale, maxChannels: options.maxChannels, sharedScale: options.sharedScale)
            .size(methods.map { model.spec(method: $0, epsilon: epsilon, perturbation: options.perturbation,
                                           title: methodTitle($0, model)) }, fonts: fonts)
    }

    /// The size of the `sweep` figure of `model`: one row block per epsilon.
    public static func sweepSize(_ model: FigureModel, sample: Int, epsilons: [Float], options: FigureOptions,
                                 fonts: FontSet) -> (width: Double, height: Double) {
        SweepFigure(scale: options.scale, maxChannels: options.maxChannels, sharedScale: options.sharedScale)
            .size(model.spec(method: options.bounds, epsilon: epsilons.first ?? 0, perturbation: options.perturbation),
                  sample: sample, epsilons: epsilons, fonts: fonts)
    }

    public func compareSize(epsilon: Float, options: FigureOptions) -> (width: Double, height: Double) {
        Self.compareSize(models, epsilon: epsilon, options: options, fonts: fonts)
    }

    public func methodsSize(epsilon: Float, methods: [BoundMethodName], options: FigureOptions) -> (width: Double, height: Double) {
        Self.methodsSize(models[0], epsilon: epsilon, methods: methods, options: options, fonts: fonts)
    }

    public func sweepSize(sample: Int, epsilons: [Float], options: FigureOptions) -> (width: Double, height: Double) {
        Self.sweepSize(models[0], sample: sample, epsilons: epsilons, options: options, fonts: fonts)
    }

    /// `options` at the scale its tile figure is drawn at: as given when the figure of `size(options)` fits
    /// `FigureSizeLimit`; else, when the scale is the default (`scaleFitsLimit`), the largest smaller scale that
    /// fits. Otherwise a one-line refusal naming the flags, the size, the limit and the largest `--scale` that fits
    /// (new-user findings s7 6: the shipped medium-bn checkpoints were refused by `sweep` and `methods` at their
    /// defaults). `columns` and `noun` say what else the size follows from ("5 epsilons"), `fewer` how to have
    /// fewer of them ("give fewer --epsilons"), `dropped` what of the given is not a column (" (of the 3 --methods
    /// given; crown is not drawn: it cannot bound this model)").
    public static func fitted(_ options: FigureOptions, columns: Int, noun: String, fewer: String, dropped: String = "",
                              size: (FigureOptions) -> (width: Double, height: Double)) throws -> FigureOptions {
        let asked = size(options)
        if FigureSizeLimit.fits(width: asked.width, height: asked.height) { return options }
        var trial = options
        var largest: Int?
        for scale in stride(from: options.scale - 1, through: FigureOptions.scaleRange.lowerBound, by: -1) {
            trial.scale = scale
            let s = size(trial)
            if FigureSizeLimit.fits(width: s.width, height: s.height) { largest = scale; break }
        }
        if options.scaleFitsLimit, let largest {
            trial.scale = largest
            return trial
        }
        let what = "--scale \(options.scale)\(options.scaleFitsLimit ? " (the default)" : ""), --max-channels "
            + "\(options.maxChannels) and \(CountText.of(columns, noun))\(dropped)"
        let advice = largest.map { "give --scale \($0) (the largest that fits) or less, or lower --max-channels, or \(fewer)" }
            ?? "no --scale fits; lower --max-channels, or \(fewer) (a model of very many stages, a row each, fits at no scale)"
        throw SettingsError(message: "\(what) give a figure of \(FigureSizeLimit.size(width: asked.width, height: asked.height)), "
                            + "which exceeds \(FigureSizeLimit.limit); \(advice)")
    }

    /// `fitted` for the `compare` figure of `models`.
    public static func fittedCompare(_ models: [FigureModel], epsilon: Float, options: FigureOptions,
                                     fonts: FontSet) throws -> FigureOptions {
        try fitted(options, columns: models.count, noun: "model", fewer: "compare fewer models") {
            compareSize(models, epsilon: epsilon, options: $0, fonts: fonts)
        }
    }

    /// `fitted` for the `methods` figure of `model`; `dropped` are the methods given that cannot bound it (not drawn),
    /// named in a refusal beside the count of the columns (the methods given are more).
    public static func fittedMethods(_ model: FigureModel, epsilon: Float, methods: [BoundMethodName],
                                     dropped: [BoundMethodName] = [],
                                     options: FigureOptions, fonts: FontSet) throws -> FigureOptions {
        let note = dropped.isEmpty ? "" : " (of the \(methods.count + dropped.count) --methods given; "
            + dropped.map(\.rawValue).joined(separator: ", ")
            + (dropped.count == 1 ? " is not drawn: it cannot" : " are not drawn: they cannot") + " bound this model)"
        return try fitted(options, columns: methods.count, noun: "method", fewer: "give fewer --methods", dropped: note) {
            methodsSize(model, epsilon: epsilon, methods: methods, options: $0, fonts: fonts)
        }
    }

    /// `fitted` for the `sweep` figure of `model`.
    public static func fittedSweep(_ model: FigureModel, sample: Int, epsilons: [Float], options: FigureOptions,
                                   fonts: FontSet) throws -> FigureOptions {
        try fitted(options, columns: epsilons.count, noun: "epsilon", fewer: "give fewer --epsilons") {
            sweepSize(model, sample: sample, epsilons: epsilons, options: $0, fonts: fonts)
        }
    }
}
