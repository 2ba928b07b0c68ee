#pragma once
// Every model version with its metrics, the training-set policy it learned from, the gate's
// verdict, a marker on the active one and "pruned" on those whose bundle was deleted (retention);
// activate any version (the untrained zero-shot head too), or roll back to the previous one. The
// swap runs off the UI thread.
#include "workspace/Workspace.h"

#include <QWidget>
#include <memory>

class QLabel;
class QPushButton;
class QThreadPool;
class QTreeWidget;

namespace pc {

class LearningLoop;

class ModelHistoryView : public QWidget {
    Q_OBJECT
public:
    ModelHistoryView(std::shared_ptr<Workspace> workspace, LearningLoop* loop, QThreadPool* ioPool, QWidget* parent = nullptr);

    void reload();
    QTreeWidget* tree() const { return m_tree; }
    QPushButton* activateButton() const { return m_activate; }
    QPushButton* rollbackButton() const { return m_rollback; }
    QString selectedVersion() const;
    bool isSelectedPruned() const; // its bundle was deleted: it can't be activated
    bool selectVersion(const QString& version);

    void activateSelected();
    void rollback();
    bool isSwapping() const { return m_swapping; }

Q_SIGNALS:
    void message(const QString& text);
    void modelsChanged(const QVector<pc::ModelRecord>& models);

private:
    void show(const QVector<ModelRecord>& models);
    void updateButtons();

    std::shared_ptr<Workspace> m_workspace;
    LearningLoop* m_loop;
    QThreadPool* m_io;
    QTreeWidget* m_tree;
    QPushButton* m_activate;
    QPushButton* m_rollback;
    QLabel* m_caption;
    bool m_swapping = false;
    QString m_lastLive;
};

} // namespace pc
