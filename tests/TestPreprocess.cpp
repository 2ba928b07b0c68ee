#include "imaging/Preprocess.h"

#include <QTest>
#include <opencv2/core.hpp>

using namespace pc;

class TestPreprocess : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void shorterSideTo256_data()
    {
        QTest::addColumn<int>("w");
        QTest::addColumn<int>("h");
        QTest::addColumn<int>("ew");
        QTest::addColumn<int>("eh");
        QTest::newRow("landscape shrink") << 500 << 375 << 341 << 256;
        QTest::newRow("portrait shrink") << 375 << 500 << 256 << 341;
        QTest::newRow("square grow") << 100 << 100 << 256 << 256;
        QTest::newRow("already 256") << 300 << 256 << 300 << 256;
        QTest::newRow("thin strip") << 2000 << 10 << 51200 << 256;
    }
    void shorterSideTo256()
    {
        QFETCH(int, w);
        QFETCH(int, h);
        QFETCH(int, ew);
        QFETCH(int, eh);
        const cv::Mat out = resizeShorterSide(cv::Mat(h, w, CV_8UC3, cv::Scalar(1, 2, 3)), 256);
        QCOMPARE(out.cols, ew);
        QCOMPARE(out.rows, eh);
    }

    void centreCropTakesTheMiddle()
    {
        cv::Mat img(256, 300, CV_8UC1, cv::Scalar(0));
        img(cv::Rect(38, 16, 224, 224)).setTo(200); // (300-224)/2 = 38, (256-224)/2 = 16
        const cv::Mat crop = centerCrop(img, 224);
        QCOMPARE(crop.cols, 224);
        QCOMPARE(crop.rows, 224);
        QCOMPARE(cv::countNonZero(crop == 200), 224 * 224);
    }

    void centreViewIsUnitFloatRgb()
    {
        cv::Mat img(480, 640, CV_8UC3, cv::Scalar(255, 0, 51)); // channel 0 stays channel 0
        const cv::Mat v = preprocessCenter(img);
        QCOMPARE(v.type(), CV_32FC3);
        QCOMPARE(v.size(), cv::Size(224, 224));
        QVERIFY(v.isContinuous());
        const cv::Vec3f px = v.at<cv::Vec3f>(100, 100);
        QCOMPARE(px[0], 1.0f);
        QCOMPARE(px[1], 0.0f);
        QVERIFY(std::abs(px[2] - 0.2f) < 1e-6f);
    }

    void augmentedViewsAreDeterministicAndInRange()
    {
        cv::Mat img(375, 500, CV_8UC3);
        cv::randu(img, 0, 256);
        std::mt19937 a(42), b(42), c(7);
        const cv::Mat va = preprocessAugmented(img, a), vb = preprocessAugmented(img, b), vc = preprocessAugmented(img, c);
        QCOMPARE(va.size(), cv::Size(224, 224));
        QCOMPARE(va.type(), CV_32FC3);
        QCOMPARE(cv::norm(va, vb, cv::NORM_INF), 0.0);
        QVERIFY(cv::norm(va, vc, cv::NORM_INF) > 0.0);
        double lo, hi;
        cv::minMaxLoc(va.reshape(1), &lo, &hi);
        QVERIFY(lo >= 0.0 && hi <= 1.0);
    }

    void augmentationFlipsSometimes()
    {
        // A left-dark, right-bright image: a flipped view is bright on the left.
        cv::Mat img(300, 300, CV_8UC3, cv::Scalar::all(0));
        img(cv::Rect(150, 0, 150, 300)).setTo(cv::Scalar::all(255));
        AugmentOptions noColour;
        noColour.brightness = 0;
        noColour.minContrast = noColour.maxContrast = 1.0f;
        int flipped = 0;
        std::mt19937 rng(1);
        for (int i = 0; i < 40; ++i) {
            const cv::Mat v = preprocessAugmented(img, rng, noColour);
            flipped += v.at<cv::Vec3f>(112, 5)[0] > v.at<cv::Vec3f>(112, 218)[0];
        }
        QVERIFY2(flipped > 5 && flipped < 35, qPrintable(QString::number(flipped)));
    }

    void contrastAndBrightnessFollowTheirRanges()
    {
        cv::Mat img(256, 256, CV_8UC3, cv::Scalar::all(128));
        AugmentOptions o;
        o.flip = false;
        o.minContrast = o.maxContrast = 1.0f;
        std::mt19937 rng(3);
        double minV = 1, maxV = 0;
        for (int i = 0; i < 200; ++i) {
            const double v = preprocessAugmented(img, rng, o).at<cv::Vec3f>(0, 0)[0];
            minV = std::min(minV, v);
            maxV = std::max(maxV, v);
        }
        // 128/255 ± 50/255, and the draws should reach near both ends.
        QVERIFY(minV >= (128.0 - 50.0) / 255 - 1e-5 && maxV <= (128.0 + 50.0) / 255 + 1e-5);
        QVERIFY(minV < (128.0 - 40.0) / 255 && maxV > (128.0 + 40.0) / 255);
    }
};

QTEST_GUILESS_MAIN(TestPreprocess)
#include "TestPreprocess.moc"
