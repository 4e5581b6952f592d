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

    /// Throws a one-line error naming the flags when a figure of `size` would exceed `FigureSizeLimit`.
    /// `what` says what the size follows from, e.g. "--scale 64, --max-channels 256 and 2 models".
    public static func checkSize(_ size: (width: Double, height: Double), from what: String, lower: String) throws {
        if let problem = FigureSizeLimit.problem(width: size.width, height: size.height) {
            throw SettingsError(message: "\(what) give a figure of \(problem); lower \(lower)")
        }
    }

    /// What a tile figure's size follows from, for `checkSize`.
    static func sizeSource(_ options: FigureOptions, columns: Int, noun: String) -> String {
        "--scale \(options.scale), --max-channels \(options.maxChannels) and \(columns) \(noun)\(columns == 1 ? "" : "s")"
    }
}
