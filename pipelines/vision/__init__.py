"""The vision task: image classification with CNNs, augmentation and transfer learning."""
