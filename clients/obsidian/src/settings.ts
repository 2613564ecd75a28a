// The plugin's settings (kept by Obsidian in the plugin's data.json, outside the notes) and
// their tab. The sidecar's own settings are the server settings of configuration.md.
import { PluginSettingTab, Setting, type App, type Plugin } from "obsidian";
import type { LaunchSettings, NotifyMode } from "@vespera/client-core";

export interface VesperaSettings extends LaunchSettings {
  notifications: NotifyMode;
  /** Settings sent to the sidecar (`semantic`, `automation`, `diagnosticsDelayMs`, …). */
  server: Record<string, unknown>;
}

export const DEFAULTS: VesperaSettings = {
  command: "vespera",
  python: "",
  args: [],
  notifications: "changes",
  server: {},
};

/** Settings as stored, completed with the defaults (older data, hand-edited files). */
export function readSettings(stored: unknown): VesperaSettings {
  const data = (stored && typeof stored === "object" ? stored : {}) as Partial<VesperaSettings>;
  const text = (value: unknown, fallback: string) => (typeof value === "string" ? value : fallback);
  const modes: NotifyMode[] = ["all", "changes", "failures", "off"];
  return {
    command: text(data.command, DEFAULTS.command),
    python: text(data.python, DEFAULTS.python),
    args: Array.isArray(data.args) ? data.args.filter((a): a is string => typeof a === "string") : [],
    notifications: modes.includes(data.notifications as NotifyMode) ? (data.notifications as NotifyMode) : "changes",
    server: data.server && typeof data.server === "object" ? { ...data.server } : {},
  };
}

export interface SettingsHost extends Plugin {
  config: VesperaSettings;
  saveSettings(restart: boolean): Promise<void>;
}

export class VesperaSettingTab extends PluginSettingTab {
  constructor(
    app: App,
    private readonly host: SettingsHost,
  ) {
    super(app, host);
  }

  display(): void {
    const { containerEl } = this;
    const settings = this.host.config;
    containerEl.empty();
    const launchText = (name: string, desc: string, placeholder: string, value: string, set: (value: string) => void) =>
      new Setting(containerEl)
        .setName(name)
        .setDesc(desc)
        .addText((text) =>
          text.setPlaceholder(placeholder).setValue(value).onChange(async (entered) => {
            set(entered);
            await this.host.saveSettings(true); // a new program: the sidecar starts again
          }),
        );
    launchText(
      "Vespera command",
      "The 'vespera' command that starts the sidecar: a name on PATH or a full path. Not used when a Python interpreter is set.",
      "vespera",
      settings.command,
      (value) => (settings.command = value.trim()),
    );
    launchText(
      "Python interpreter",
      "A Python 3.11 (or later) that has Vespera installed; when set, the sidecar starts as 'python -m vespera serve'.",
      "/path/to/python",
      settings.python,
      (value) => (settings.python = value.trim()),
    );
    launchText(
      "Extra arguments",
      "For 'vespera serve', separated by spaces ('-v' writes debug logs to the developer console).",
      "",
      settings.args.join(" "),
      (value) => (settings.args = value.split(/\s+/).filter(Boolean)),
    );
    new Setting(containerEl)
      .setName("Automation notices")
      .setDesc("Which automation runs are told as notices, with Undo and Show changes.")
      .addDropdown((drop) =>
        drop
          .addOptions({ all: "Every run", changes: "Runs that changed notes, and failures", failures: "Failures only", off: "None" })
          .setValue(settings.notifications)
          .onChange(async (value) => {
            settings.notifications = value as NotifyMode;
            await this.host.saveSettings(false);
          }),
      );
    new Setting(containerEl)
      .setName("Related notes and semantic search")
      .setDesc("Embed the vault's notes in the background (the model runs on this machine).")
      .addToggle((toggle) =>
        toggle.setValue(settings.server.semantic !== false).onChange(async (value) => {
          settings.server.semantic = value;
          await this.host.saveSettings(false);
        }),
      );
    new Setting(containerEl)
      .setName("Automation")
      .setDesc("Run the vault's rules (.vespera/rules). Off, changes are still logged, and no rule runs.")
      .addToggle((toggle) =>
        toggle.setValue(settings.server.automation !== false).onChange(async (value) => {
          settings.server.automation = value;
          await this.host.saveSettings(false);
        }),
      );
  }
}
