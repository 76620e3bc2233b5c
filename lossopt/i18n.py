"""The words the figures and tables of the course show, in the reader's language.

A chapter's code writes English and wraps what a reader sees in :func:`tr`::

    from lossopt.i18n import tr

    ax.set_xlabel(tr("step"))
    ax.set_title(tr("position, learning rate {lr:g}").format(lr=lr))

The language is the environment variable ``LOSSOPT_LANGUAGE`` (``en`` when unset); the
book's extension sets it for the kernels of each edition's build (``tools/book_extension.py``),
so the Korean edition's figures are drawn in Korean.  In English ``tr`` returns its text
unchanged; in another language it returns the entry of :data:`STRINGS`, and a text with no
entry is an error naming it (a figure of the Korean edition never shows English by accident).
The key of a formatted text is its template, before ``format``.

For a language written in another script, importing this module puts that script's font first
in matplotlib's (Hangul: Debian's ``fonts-noto-cjk``, whose faces also draw Latin letters and
digits), with matplotlib's own font after it for the characters it lacks.  First, not only a
fallback: the words outside ``$...$`` of a label with maths are drawn by mathtext in the first
font alone, and in DejaVu Sans they would be boxes.

A student's notebook calls :func:`set_language` instead (the Korean problem sets' figure cells
do): the same language and font, but a machine without the font gets a warning, not an error.
"""

import os
import warnings
from pathlib import Path

LANGUAGE_ENV = "LOSSOPT_LANGUAGE"
LANGUAGES = ("en", "ko")
#: Each language's own name for itself (the site's language switch shows it).
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}

#: A font for each language whose script matplotlib's DejaVu Sans lacks: its family name and
#: the files where Debian's package puts it (matplotlib's font cache may predate the package).
FONTS = {
    "ko": ("Noto Sans CJK KR", ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                                "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"]),
}
FONT_PACKAGE = "fonts-noto-cjk"
#: The fonts a student's machine may have for each language, best first (:func:`set_language`):
#: Debian's, Google's, Naver's, then the ones Windows and macOS ship.
STUDENT_FONTS = {
    "ko": (FONTS["ko"][0], "Noto Sans KR", "NanumGothic", "Malgun Gothic", "AppleGothic",
           "Apple SD Gothic Neo"),
}
SCRIPT_NAMES = {"ko": "Hangul"}
FONT_ADVICE = {"ko": f"a Korean font: Noto Sans CJK KR (Debian, Ubuntu: apt-get install "
                     f"{FONT_PACKAGE}) or Noto Sans KR (Google Fonts)"}

#: English text -> its translation, by language.  Keys are exactly what the code passes to
#: tr(): a template keeps its {fields}, and the translation keeps the same fields.
STRINGS = {
    "ko": {
        # lossopt.plotting, lossopt.race: axes, legends and tables every chapter shares;
        # the glossary's Korean terms (chapters/glossary.md) wherever it lists one
        "step": "스텝",
        "loss": "손실",
        "predicted value": "예측값",
        "{name} (diverged at step {step})": "{name} ({step} 스텝에서 발산)",
        "optimizer": "옵티마이저",
        "defaults": "기본값",
        "surface": "곡면",
        "bowl": "그릇",
        "ravine": "협곡",
        "rosenbrock": "Rosenbrock",   # the chapters keep the two names in Latin
        "beale": "Beale",
        "saddle": "안장",   # the surface (chapter 4); its critical point is the glossary's 안장점
        # chapter 1: what a loss function means
        "signed error  y - ŷ": "부호 있는 오차  y - ŷ",
        "absolute error  |y - ŷ|": "절대 오차  |y - ŷ|",
        "squared error  (y - ŷ)²": "제곱 오차  (y - ŷ)²",
        "prediction ŷ": "예측 ŷ",
        "slope w": "기울기 w",
        "intercept c": "절편 c",
        "MSE over all lines (w, c)": "모든 직선 (w, c)의 MSE",
        "{name} landscape of the line (height: {name})": "직선의 {name} 지형 (높이: {name})",
        # chapter 2: common loss functions
        "{title}, true value 100": "{title}, 참값 100",
        "MAE (L1 loss)": "MAE (L1 손실)",
        "MSE (L2 loss)": "MSE (L2 손실)",
        "{name} of the constant c": "상수 c의 {name}",
        "constant prediction c": "상수 예측 c",
        "the outlier": "이상치",
        "{name}: slope {slope:.2f}": "{name}: 기울기 {slope:.2f}",
        "Three losses, one outlier lifted by {size:g}": "세 손실, 이상치 하나를 {size:g}만큼 올림",
        "outlier size": "이상치 크기",
        "prediction c": "예측 c",
        "position, learning rate {lr:g}": "위치, 학습률 {lr:g}",
        "learning rate η": "학습률 η",
        "Huber gradient": "후버 기울기",
        "residual r": "잔차 r",
        "gradient": "기울기",
        "Huber gradient, δ = 1": "후버 기울기, δ = 1",
        "residual r = ŷ - y": "잔차 r = ŷ - y",
        "quantile loss, τ = {tau:g}": "분위수 손실, τ = {tau:g}",
        "under-predict:\nslope {slope:g}": "과소 예측:\n기울기 {slope:g}",
        "over-predict:\nslope {slope:g}": "과대 예측:\n기울기 {slope:g}",
        "{tau:g}-quantile of the data": "데이터의 {tau:g} 분위수",
        "mean quantile loss of c over the samples": "표본에 대한 c의 평균 분위수 손실",
        "label": "레이블",
        "prediction": "예측",
        "label and prediction": "레이블과 예측",
        "probability of the true class p": "정답 클래스의 확률 p",
        "cross-entropy  -log p": "교차 엔트로피  -log p",
        "p (true class)": "p (정답 클래스)",
        "logits z": "로짓 z",
        "softmax(z):  cross-entropy = -log {q:.3f} = {cost:.2f}":
            "softmax(z):  교차 엔트로피 = -log {q:.3f} = {cost:.2f}",
        "logit z0 (true class)": "로짓 z0 (정답 클래스)",
        "logit z1": "로짓 z1",
        "loss for a class-1 example": "클래스 1 예제의 손실",
        "cross-entropy": "교차 엔트로피",
        "gradient with respect to the logit z": "로짓 z에 대한 기울기",
        "logit z  (p = σ(z))": "로짓 z  (p = σ(z))",
        "Gaussian, σ = 1": "가우시안, σ = 1",
        "Laplace, s = 1": "라플라스, s = 1",
        "noise density": "잡음 밀도",
        "Gaussian: MSE / 2 + {c:.2f}": "가우시안: MSE / 2 + {c:.2f}",
        "Laplace: MAE + {c:.2f}": "라플라스: MAE + {c:.2f}",
        "negative log-density": "음의 로그 밀도",
        "noise ε = y - ŷ": "잡음 ε = y - ŷ",
        "median = {value:g}": "중앙값 = {value:g}",
        "mean = {value:g}": "평균 = {value:g}",
        "MSE": "MSE",
        "MAE": "MAE",
        "Huber (δ = 1)": "후버 (δ = 1)",
        "Huber, δ = {delta:g}": "후버, δ = {delta:g}",
        "class 0": "클래스 0",
        "class 1": "클래스 1",
        "class 0 (true)": "클래스 0 (정답)",
        "class 1 (true)": "클래스 1 (정답)",
        "class 2 (z2 = 0)": "클래스 2 (z2 = 0)",
        # chapter 3: gradient descent and SGD
        "too slow": "너무 느림",
        "about right": "적당함",
        "too large": "너무 큼",
        "the walker has left the plot": "걷는 이가 그림 밖으로 나갔다",
        "step $t$": "스텝 $t$",
        r"distance $|\theta_t - 0|$": r"거리 $|\theta_t - 0|$",
        "steps": "스텝 수",
        r"worst of the two, $\rho(\eta)$": r"둘 중 나쁜 쪽, $\rho(\eta)$",
        "measured on runs": "실행에서 잰 값",
        "factor per step": "스텝당 배율",
        "{n} minibatch gradients": "미니배치 기울기 {n}개",
        "full gradient": "전체 기울기",
        "mean of the minibatch ones": "미니배치 기울기의 평균",
        r"$\partial J / \partial w$ (slope)": r"$\partial J / \partial w$ (기울기)",
        r"$\partial J / \partial c$ (intercept)": r"$\partial J / \partial c$ (절편)",
        "measured ({n} shuffles)": "잰 값 (섞기 {n}번)",
        "0 at $b = n$": "$b = n$에서 0",
        "batch size $b$": "배치 크기 $b$",
        "mean squared distance\nfrom the full gradient": "전체 기울기에서의\n평균 제곱 거리",
        "batch size": "배치 크기",
        "slope $w$": "기울기 $w$",
        "intercept $c$": "절편 $c$",
        "epoch": "에포크",
        "MSE on all 40 points": "40개 점 전체의 MSE",
        "step (8 steps per epoch)": "스텝 (에포크당 8 스텝)",
        "shuffle seed": "섞기 시드",
        r"constant $\eta$ = {lr:g}": r"고정 $\eta$ = {lr:g}",
        "MSE above the best line's\n(mean of 200 runs)": "최적 직선보다 높은 MSE\n(200번 실행의 평균)",
        "with replacement, predicted": "복원 추출, 예측값",
        r"constant learning rate $\eta$": r"고정 학습률 $\eta$",
        "floor: MSE above the best line's": "바닥: 최적 직선보다 높은 MSE",
        r"learning rate $\eta_t$": r"학습률 $\eta_t$",
        "constant: ends at {end:.2g}": "고정: 끝값 {end:.2g}",
        "{schedule}: ends at {end:.2g}": "{schedule}: 끝값 {end:.2g}",
        "MSE above the best line's": "최적 직선보다 높은 MSE",
        "schedule": "스케줄",
        "base rate η": "기본 학습률 η",
        ", off the plot": ", 그림 밖",
        "bounces forever": "끝없이 진동",
        "converges": "수렴",
        "diverges": "발산",
        "after 1 step": "1 스텝 뒤",
        "after {steps} steps": "{steps} 스텝 뒤",
        r"$\eta$ = {lr:g}, $\eta L$ = {eta_l:.2f}: factor $1 - \eta L$ = "
        r"{factor:+.2f}, {verdict}; {after} $\theta$ = {theta:.3g}":
            r"$\eta$ = {lr:g}, $\eta L$ = {eta_l:.2f}: 배율 $1 - \eta L$ = "
            r"{factor:+.2f}, {verdict}; {after} $\theta$ = {theta:.3g}",
        "batch size {size}: 1 step per epoch": "배치 크기 {size}: 에포크당 1 스텝",
        "batch size {size}: {steps} steps per epoch": "배치 크기 {size}: 에포크당 {steps} 스텝",
        "diverged": "발산",
        "left the plot, MSE {mse:.2g}": "그림 밖으로 나감, MSE {mse:.2g}",
        "full batch ({outcome})": "전체 배치 ({outcome})",
        "batch {size} ({outcome})": "배치 {size} ({outcome})",
        r"$\eta$ = {lr:g}: {full} steps of full-batch GD vs {mini} steps of batch-{size} SGD":
            r"$\eta$ = {lr:g}: 전체 배치 GD {full} 스텝 대 배치 {size} SGD {mini} 스텝",
        "shuffled, without replacement": "섞어서, 비복원 추출",
        "drawn with replacement": "복원 추출",
        r"{schedule} from $\eta$ = {lr:g}, batches of {size}, mean of {runs} runs "
        "(ends at: mean over the last epoch)":
            r"{schedule}, 시작 $\eta$ = {lr:g}, 배치 {size}, {runs}번 실행의 평균 "
            "(끝값: 마지막 에포크의 평균)",
        # the learning-rate schedules, as the schedule slider names them
        "constant": "고정",
        "step decay": "계단식 감쇠",
        "1/t": "1/t",
        "cosine": "코사인",
        "warm-up": "워밍업",
        # chapter 4: the evolution of the optimizers
        "{name} (diverges)": "{name} (발산)",
        "gradient descent": "경사 하강법",
        "momentum": "모멘텀",
        "the ravine, {n} steps, lr = {lr:g}, gamma = {gamma:g}":
            "협곡, {n} 스텝, lr = {lr:g}, gamma = {gamma:g}",
        r"rate $\rho$ per step": r"스텝당 수렴률 $\rho$",
        r"learning rate $\eta$": r"학습률 $\eta$",
        "lr = {lr:g}, gamma = {gamma:g}: rate {rate:.3f}":
            "lr = {lr:g}, gamma = {gamma:g}: 수렴률 {rate:.3f}",
        "not convergent:\n" r"$|\theta_2|$ grows without bound":
            "수렴하지 않음:\n" r"$|\theta_2|$가 한없이 커진다",
        "distance along each direction": "방향별 거리",
        r"$J(\theta)$ and where the run went": r"$J(\theta)$와 실행이 간 곳",
        "deep minimum": "깊은 최솟값",
        "bump": "언덕",
        "shallow minimum": "얕은 최솟값",
        "gamma = {gamma:g}: ends in the deep minimum": "gamma = {gamma:g}: 깊은 최솟값에서 끝남",
        "gamma = {gamma:g}: ends in the shallow minimum": "gamma = {gamma:g}: 얕은 최솟값에서 끝남",
        "momentum run so far": "지금까지의 모멘텀 실행",
        r"momentum step $-\gamma v$": r"모멘텀 스텝 $-\gamma v$",
        r"$-\eta\,\nabla J(\theta)$: momentum": r"$-\eta\,\nabla J(\theta)$: 모멘텀",
        r"$\theta$ (where we stand)": r"$\theta$ (지금 선 곳)",
        r"look-ahead $\theta - \gamma v$": r"미리 본 점 $\theta - \gamma v$",
        "step {k}: one step of each rule from the same point":
            "{k} 스텝: 같은 점에서 두 규칙으로 한 스텝씩",
        r"$\theta_1$ (gentle)": r"$\theta_1$ (완만)",
        r"$\theta_2$ (steep)": r"$\theta_2$ (가파름)",
        r"effective learning rate $\eta/\sqrt{G+\epsilon}$":
            r"유효 학습률 $\eta/\sqrt{G+\epsilon}$",
        "Adagrad, lr = {lr:g}: after {n} steps at ({x:.2f}, {y:.2f})":
            "Adagrad, lr = {lr:g}: {n} 스텝 뒤 ({x:.2f}, {y:.2f})",
        "lr = {lr:g}, {n} steps, RMSProp gamma = {gamma:g}":
            "lr = {lr:g}, {n} 스텝, RMSProp gamma = {gamma:g}",
        "AdaDelta step": "AdaDelta 스텝",
        "step length on a constant slope, eps = {eps:g}":
            "일정한 기울기에서의 스텝 길이, eps = {eps:g}",
        "ravine: after {n} steps at ({x:.2f}, {y:.2f})": "협곡: {n} 스텝 뒤 ({x:.2f}, {y:.2f})",
        "first moment": "1차 모멘트",
        "second moment": "2차 모멘트",
        r"step / $\eta$": r"스텝 / $\eta$",
        " (raw)": " (보정 전)",
        " (corrected)": " (보정 후)",
        "step t": "스텝 t",
        "lr = 0.1, beta1 = {beta1:g}, {n} steps": "lr = 0.1, beta1 = {beta1:g}, {n} 스텝",
        "{surface}, step {step}": "{surface}, {step} 스텝",
        "noise sigma = {sigma:g}, {n} steps": "잡음 sigma = {sigma:g}, {n} 스텝",
        "loss floor, race settings": "손실 바닥, 경주 설정",
        # lossopt.family_tree
        "which way to step: momentum": "어느 쪽으로 갈까: 모멘텀",
        "how far to step: one step size per parameter": "얼마나 멀리 갈까: 파라미터마다 다른 스텝 크기",
        "both": "둘 다",
        # problem sets: what lossopt.trajectory says of a run (problem set 3's figure title)
        "ran {n} steps": "{n} 스텝 실행",
        "diverged at step {step}: the parameters left the finite numbers":
            "{step} 스텝에서 발산: 파라미터가 유한한 수를 벗어났다",
        "diverged at step {step}: the parameters passed {limit:g}":
            "{step} 스텝에서 발산: 파라미터가 {limit:g}보다 커졌다",
    },
}


def language():
    """The language of the figures: ``LOSSOPT_LANGUAGE``, ``en`` when it is unset or empty."""
    value = os.environ.get(LANGUAGE_ENV, "").strip() or "en"
    if value not in LANGUAGES:
        raise ValueError(f"{LANGUAGE_ENV}={value!r} is not a language of the course: "
                         f"use one of {', '.join(LANGUAGES)}")
    return value


def tr(text):
    """``text`` in the figures' language (:func:`language`); English is returned as it is."""
    lang = language()
    if lang == "en":
        return text
    try:
        return STRINGS[lang][text]
    except KeyError:
        raise KeyError(f"no {lang} translation of the figure text {text!r}: add it to "
                       f"lossopt/i18n.py STRINGS[{lang!r}]") from None


def _known_font(families, files=()):
    """The first of ``families`` that matplotlib knows, after adding the font ``files``; or None.

    The files are added only when none is known yet: matplotlib's font cache may predate the
    package that put them there.
    """
    from matplotlib import font_manager

    def first_known():
        known = {font.name for font in font_manager.fontManager.ttflist}
        return next((family for family in families if family in known), None)

    found = first_known()
    if found is None:
        for path in files:
            if Path(path).is_file():
                font_manager.fontManager.addfont(path)
        found = first_known()
    return found


def _put_first(family):
    """Make ``family`` matplotlib's first font, the fonts it had (or its sans-serif) after it."""
    import matplotlib

    families = [f for f in matplotlib.rcParams["font.family"] if f != family]
    if families == ["sans-serif"]:
        families = list(matplotlib.rcParams["font.sans-serif"][:1])
    matplotlib.rcParams["font.family"] = [family, *families]
    return family


def use_language_font(lang=None):
    """Make ``lang``'s font matplotlib's first, its own font the fallback.

    Returns the family added, or None for a language that needs none.  A missing font is an
    error that names the package to install, never a figure of boxes (the site's build).
    """
    lang = lang or language()
    if lang not in FONTS:
        return None
    family, files = FONTS[lang]
    if _known_font([family], files) is None:
        raise RuntimeError(f"matplotlib has no font {family!r} for {lang} figures: install "
                           f"Debian's {FONT_PACKAGE} (apt-get install {FONT_PACKAGE})")
    return _put_first(family)


def set_language(lang):
    """Draw this process's figures in ``lang``: the texts of :func:`tr`, and a font for its script.

    For a student's notebook (a Korean problem set's figure cell calls ``set_language("ko")``).
    It sets ``LOSSOPT_LANGUAGE`` for this process and puts first the first font of
    :data:`STUDENT_FONTS` that the machine has.  Lenient where :func:`use_language_font` is
    strict: a laptop with none of them gets one warning that says what to install, and its
    figures still draw, Hangul as boxes.  Returns the font family used, or None.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"{lang!r} is not a language of the course: use one of "
                         f"{', '.join(LANGUAGES)}")
    os.environ[LANGUAGE_ENV] = lang
    if lang not in STUDENT_FONTS:
        return None
    family = _known_font(STUDENT_FONTS[lang], FONTS[lang][1])
    if family is None:
        warnings.warn(f"no font for {lang} found ({', '.join(STUDENT_FONTS[lang])}): the "
                      f"figures' {SCRIPT_NAMES[lang]} will show as boxes. Install "
                      f"{FONT_ADVICE[lang]}, then restart the kernel.", stacklevel=2)
        return None
    return _put_first(family)


if language() != "en":
    use_language_font()
